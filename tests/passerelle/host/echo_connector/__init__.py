"""A test-only connector exercising the Passerelle host: endpoints, access and cron hooks."""

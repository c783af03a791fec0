"""A test-only connector exercising the Passerelle stand-in: endpoints, access and cron hooks."""

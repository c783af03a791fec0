/*
 * One poll stream per browser: the tabs of one agent showing the same cell
 * elect one leader with the Web Locks API; only the leader polls, and it
 * shares each answer with the other tabs over a BroadcastChannel, which
 * render it as if they had polled. A tab that becomes visible takes the
 * lead, so the pace is the one of a visible tab; a follower that hears
 * nothing for too long (a frozen leader) takes it too. Without those APIs
 * (an insecure origin, an old browser) every tab polls on its own.
 *
 * The host (the cell's element) gives four callbacks: poll() when this tab
 * leads (or must poll at once), follow() when another tab polls,
 * apply(answer) for an answer shared by the leader, nextDelay() for the
 * leader's next poll delay.
 */

// A poll request's timeout (the host aborts it then): a silent leader's watchdog waits it out.
export const REQUEST_TIMEOUT = 10000;

export class TabCoordination {
  constructor(name, host, interval, maxDelay) {
    this.name = 'phone-call-cell:' + name;
    this.host = host;
    this.interval = interval;
    this.maxDelay = maxDelay;
    // Without coordination this tab is its own leader.
    this.leader = true;
    this.channel = null;
    this.queued = null;
    this.held = null;
    this.stealing = false;
    this.stopped = false;
    this.lastMessage = null;
    this.watchdog = null;
    this.onMessage = this.onMessage.bind(this);
  }

  /* Join the other tabs: returns false when this tab must poll on its own. */
  start() {
    if (!window.BroadcastChannel || !navigator.locks || typeof navigator.locks.request !== 'function') {
      return false;
    }
    try {
      this.channel = new BroadcastChannel(this.name);
    } catch (error) {
      return false;
    }
    this.leader = false;
    this.channel.addEventListener('message', this.onMessage);
    this.post({type: 'hello'});
    this.watchLeader(this.interval);
    this.requestLead(false);
    return true;
  }

  /*
   * Ask for the poller lock: queued behind the leader, or (steal) taken from it.
   * A tab has at most one queued request and one steal under way; a request
   * is a ticket, so that a late answer about an old one is recognised.
   */
  requestLead(steal) {
    if (steal) {
      if (this.stealing) {
        return;
      }
      this.stealing = true;
    }
    if (this.queued) {
      this.queued.controller.abort();
      this.queued = null;
    }
    const ticket = {controller: steal ? null : new AbortController(), release: null};
    if (!steal) {
      this.queued = ticket;
    }
    const options = steal ? {steal: true} : {signal: ticket.controller.signal};
    let request;
    try {
      request = navigator.locks.request(this.name + ':poller', options, () => {
        if (steal) {
          this.stealing = false;
        }
        if (this.queued === ticket) {
          this.queued = null;
        }
        if (this.stopped) {
          return null;
        }
        // Held until stop() or until another tab steals it.
        return new Promise((resolve) => {
          ticket.release = resolve;
          this.held = ticket;
          this.lead();
        });
      });
    } catch (error) {
      request = Promise.reject(error);
    }
    Promise.resolve(request).catch((error) => {
      if (steal) {
        this.stealing = false;
      }
      if (this.stopped || (ticket.controller && ticket.controller.signal.aborted)) {
        return;
      }
      if (error && error.name === 'AbortError') {
        // Another tab took the lead: follow it, and queue up to succeed it.
        if (this.held === ticket) {
          this.held = null;
          this.follow();
          this.requestLead(false);
        }
      } else {
        // Locks refused (an opaque origin...): poll on our own.
        this.lead();
      }
    });
  }

  lead() {
    if (this.leader || this.stopped) {
      return;
    }
    this.leader = true;
    clearTimeout(this.watchdog);
    this.host.poll();
  }

  follow() {
    if (!this.leader) {
      return;
    }
    this.leader = false;
    this.host.follow();
    this.watchLeader(this.interval);
  }

  /* Take the lead if the leader stays silent past its next poll and a request's timeout. */
  watchLeader(nextDelay) {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      if (!this.leader && !this.stopped) {
        this.requestLead(true);
      }
    }, Math.min(nextDelay, this.maxDelay) + REQUEST_TIMEOUT + this.interval);
  }

  post(message) {
    try {
      this.channel.postMessage(message);
    } catch (error) {
      // A closed channel: nobody left to tell.
    }
  }

  /* The leader tells the other tabs what it learnt. */
  share(answer) {
    if (!this.channel || !this.leader) {
      return;
    }
    this.lastMessage = {type: 'answer', answer: answer, hidden: document.hidden, next: this.host.nextDelay()};
    this.post(this.lastMessage);
  }

  /* A follower asks the leader to poll at once; the leader polls itself. */
  pollNow() {
    if (this.leader) {
      this.host.poll();
    } else {
      this.post({type: 'poll-now'});
    }
  }

  onMessage(event) {
    const message = event.data;
    if (!message || typeof message !== 'object' || this.stopped) {
      return;
    }
    if (this.leader) {
      if (message.type === 'hello' && this.lastMessage) {
        this.post(this.lastMessage);
      } else if (message.type === 'poll-now') {
        this.host.poll();
      }
      return;
    }
    if (message.type !== 'answer' || !message.answer || typeof message.answer !== 'object') {
      return;
    }
    this.watchLeader(typeof message.next === 'number' ? message.next : this.interval);
    this.host.apply(message.answer);
    // A leader in a hidden tab polls slowly: a tab the agent looks at takes over.
    if (message.hidden && !document.hidden) {
      this.requestLead(true);
    }
  }

  /* Called by the host on visibilitychange. */
  visibilityChanged() {
    if (!this.channel) {
      return;
    }
    if (!this.leader) {
      if (!document.hidden) {
        // The agent is looking at this tab: it polls, at once.
        this.requestLead(true);
      }
    } else if (document.hidden && this.lastMessage) {
      // Tell a visible tab at once that it should take over.
      this.lastMessage.hidden = true;
      this.post(this.lastMessage);
    }
  }

  /* Leave: another tab of the agent takes over the polling. */
  stop() {
    this.stopped = true;
    clearTimeout(this.watchdog);
    if (this.queued) {
      this.queued.controller.abort();
      this.queued = null;
    }
    if (this.held) {
      this.held.release();
      this.held = null;
    }
    if (this.channel) {
      this.channel.removeEventListener('message', this.onMessage);
      this.channel.close();
      this.channel = null;
    }
  }
}

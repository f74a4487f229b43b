// The page's one websocket: every panel's runs go over it. It reconnects
// by itself after a server restart, waiting a little longer after each
// failure, and hands each server frame to the run it names.
//
// A run is registered with a receiver, {receive(msg), lost()}: receive
// gets every frame about the run; lost is called when the connection drops
// with the run still registered. The receiver ends the registration with
// end(id) once the run is over.

const FIRST_RETRY_MS = 500;
const LAST_RETRY_MS = 8000;

// The server closes a socket that has had no run for a long time with this
// code. Coming straight back would only keep an unused socket open, so the
// page reconnects when the learner is back: the tab shown again, or a key
// or a click on it.
const CLOSED_IDLE = 4000;

export class Socket {
  constructor() {
    this.ws = null;
    this.runs = new Map(); // run id -> receiver
    this.nextRun = 1;
    this.retryDelay = FIRST_RETRY_MS;
    this.watchers = [];
  }

  // watch calls f(up) whenever the connection opens (true) or drops (false).
  watch(f) {
    this.watchers.push(f);
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const ws = new WebSocket(scheme + location.host + "/ws");
    this.ws = ws;
    ws.addEventListener("open", () => {
      // The connection's state, on the page for styles and tests: up,
      // down (retrying) or idle (closed until the learner is back).
      document.documentElement.dataset.socket = "up";
      this.retryDelay = FIRST_RETRY_MS;
      this.watchers.forEach((f) => f(true));
    });
    ws.addEventListener("message", (e) => this.dispatch(e.data));
    ws.addEventListener("close", (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      Array.from(this.runs.values()).forEach((r) => r.lost());
      this.watchers.forEach((f) => f(false));
      document.documentElement.dataset.socket = e.code === CLOSED_IDLE ? "idle" : "down";
      if (e.code === CLOSED_IDLE) {
        this.reconnectWhenBack();
        return;
      }
      setTimeout(() => this.connect(), this.retryDelay);
      this.retryDelay = Math.min(this.retryDelay * 2, LAST_RETRY_MS);
    });
  }

  // reconnectWhenBack connects again at the first sign of the learner: the
  // page becoming visible, a key, a click or a touch.
  reconnectWhenBack() {
    const signs = ["visibilitychange", "keydown", "pointerdown", "focus"];
    const back = () => {
      if (document.visibilityState !== "visible") return;
      signs.forEach((s) => removeEventListener(s, back, true));
      document.removeEventListener("visibilitychange", back);
      if (!this.ws) this.connect();
    };
    signs.forEach((s) => addEventListener(s, back, true));
    document.addEventListener("visibilitychange", back);
  }

  dispatch(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch (err) {
      return;
    }
    const run = this.runs.get(msg.id);
    if (run) {
      run.receive(msg);
    } else if (msg.type === "error") {
      // A Stop that crossed its run's exit is answered after the run is
      // over: nothing wrong. An error about any other id is worth a look.
      const sent = /^r(\d+)$/.exec(msg.id || "");
      if (sent && Number(sent[1]) < this.nextRun) console.debug("server, about finished run " + msg.id + ":", msg.error);
      else console.warn("server:", msg.error);
    }
  }

  send(msg) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  // run asks the server to run demo with params in runtime (go or python),
  // or the Go source given (with the race detector if race), traced with
  // GOMAXPROCS procs if procs is set; it returns the run's id, or null
  // when there is no connection.
  run(demo, params, receiver, runtime, source, race, procs) {
    const id = "r" + this.nextRun++;
    if (!this.send({ type: "run", id, demo, runtime, params, source, race, trace: !!procs || undefined, procs })) return null;
    this.runs.set(id, receiver);
    return id;
  }

  stop(id) {
    this.send({ type: "stop", id });
  }

  // end forgets a run that is over: later frames about it are not its.
  end(id) {
    this.runs.delete(id);
  }

  // running is how many of the page's runs are in progress.
  running() {
    return this.runs.size;
  }
}

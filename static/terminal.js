// A small terminal for a demo's output: a grid of lines edited by a cursor,
// like a terminal: \r goes to the start of the line, \b one column back,
// \n to the next line, anything else overwrites. Spinners and progress
// bars that redraw a line in place look here as they do in a shell.

// MAX_LINES bounds the memory a long run's output takes: older lines go.
const MAX_LINES = 4000;

export class Terminal {
  constructor(pre) {
    this.pre = pre;
    this.clear();
  }

  clear() {
    this.lines = [[]];
    this.row = 0;
    this.col = 0;
    this.pre.textContent = "";
    this.text = document.createTextNode("");
    this.pre.appendChild(this.text);
    this.scheduled = false;
  }

  write(s) {
    for (const ch of s) {
      if (ch === "\n") {
        this.row++;
        this.col = 0;
        if (this.row === this.lines.length) this.lines.push([]);
      } else if (ch === "\r") {
        this.col = 0;
      } else if (ch === "\b") {
        if (this.col > 0) this.col--;
      } else {
        const line = this.lines[this.row];
        while (line.length < this.col) line.push(" ");
        line[this.col] = ch;
        this.col++;
      }
    }
    if (this.lines.length > MAX_LINES) {
      const drop = this.lines.length - MAX_LINES;
      this.lines.splice(0, drop);
      this.row -= drop;
    }
    this.schedule();
  }

  // schedule redraws once per animation frame, however much was written.
  schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.render();
    });
  }

  render() {
    const pre = this.pre;
    // Follow the output unless the learner scrolled up to read.
    const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 8;
    this.text.data = this.lines.map((l) => l.join("")).join("\n");
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  }

  // screen is what the terminal shows, without trailing space.
  screen() {
    return this.lines.map((l) => l.join("").replace(/\s+$/, "")).join("\n");
  }

  // finish draws the line that says how the run ended.
  finish(kind, message) {
    this.render();
    const line = document.createElement("span");
    line.className = "exit exit-" + kind;
    line.textContent = (this.col > 0 || this.lines[this.row].length ? "\n" : "") + message;
    this.pre.appendChild(line);
    this.pre.scrollTop = this.pre.scrollHeight;
  }
}

package web

import (
	"context"
	"strings"
	"testing"
	"time"
)

// A page outlives a server restart: the run in progress is reported
// stopped, the panel says it is reconnecting, and once the server is back
// the page reconnects by itself and runs again.
func TestBrowserReconnectsAfterRestart(t *testing.T) {
	execPath := requireChromium(t)
	first := serveCourse(t, "127.0.0.1:0", CourseConfig{})
	srv := first
	addr := strings.TrimPrefix(first.URL, "http://")
	b := startChrome(t, execPath)
	tb := b.newTab(t, 1280, 800)

	const id = "spinner-goroutine"
	status := `document.querySelector(` + js(demo(id)+" .status") + `).textContent`
	tb.open(srv.URL + "/lessons/spinner")
	waitReady(tb)
	eval[bool](tb, `(window.samePage = true)`) // gone if the page reloads
	tb.typeInto(demo(id)+` input[name="slow"]`, "10s")
	tb.click(demo(id) + " button.run")
	tb.waitFor("the long run to start drawing", consoleText(id)+` !== ""`, status)

	// The server goes away: it stops its runs, says 1001 on every socket
	// and stops listening, so the page's attempts to come back fail.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := first.Course.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the run reported stopped", consoleText(id)+`.includes("■ 已停止")`, consoleText(id))
	tb.waitFor("the panel saying it is reconnecting", status+` === "正在连接服务器…"`, status)
	if eval[bool](tb, `!document.querySelector(`+js(demo(id)+" button.run")+`).disabled`) {
		t.Error("Run is enabled while there is no connection")
	}

	// The server is back on the same address: the page finds it without a
	// reload.
	serveCourse(t, addr, CourseConfig{})
	waitReady(tb)
	tb.typeInto(demo(id)+` input[name="slow"]`, "200ms")
	tb.click(demo(id) + " button.run")
	tb.waitFor("a run on the new connection", consoleText(id)+`.includes("Answer: 42")`, consoleText(id))
	if !eval[bool](tb, `window.samePage === true`) {
		t.Error("the page was reloaded")
	}
}

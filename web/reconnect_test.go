package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/flagserver"
)

// swappableSocket stands for the /ws of a server that restarts: the old
// socket closes (1001 to every page), then a new one takes its place.
type swappableSocket struct {
	mu      sync.Mutex
	current http.Handler
}

func (s *swappableSocket) set(h http.Handler) {
	s.mu.Lock()
	s.current = h
	s.mu.Unlock()
}

func (s *swappableSocket) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	h := s.current
	s.mu.Unlock()
	h.ServeHTTP(w, r)
}

// A page outlives a server restart: the run in progress is reported
// stopped, the panel says it is reconnecting, and once the server is back
// the page reconnects by itself and runs again.
func TestBrowserReconnectsAfterRestart(t *testing.T) {
	execPath := requireChromium(t)
	log := slog.New(slog.DiscardHandler)
	catalog, err := sharedCatalog()
	if err != nil {
		t.Fatal(err)
	}
	newSocket := func() *runner.Socket {
		s, err := runner.NewSocket(catalog.Registry(), runner.DefaultLimits(), log)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	closeSocket := func(s *runner.Socket) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("closing a socket: %v", err)
		}
	}
	first, second := newSocket(), newSocket()
	ws := &swappableSocket{current: first}
	flags, err := flagserver.New(flagserver.Config{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHandler(Config{Catalog: catalog, Socket: ws, Flags: flags, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		closeSocket(second)
		srv.Close()
	})
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

	// The server goes away: the old socket stops its runs and says 1001,
	// and refuses the page's attempts to come back.
	closeSocket(first)
	tb.waitFor("the run reported stopped", consoleText(id)+`.includes("■ 已停止")`, consoleText(id))
	tb.waitFor("the panel saying it is reconnecting", status+` === "正在连接服务器…"`, status)
	if eval[bool](tb, `!document.querySelector(`+js(demo(id)+" button.run")+`).disabled`) {
		t.Error("Run is enabled while there is no connection")
	}

	// The server is back: the page finds it without a reload.
	ws.set(second)
	waitReady(tb)
	tb.typeInto(demo(id)+` input[name="slow"]`, "200ms")
	tb.click(demo(id) + " button.run")
	tb.waitFor("a run on the new connection", consoleText(id)+`.includes("Answer: 42")`, consoleText(id))
	if !eval[bool](tb, `window.samePage === true`) {
		t.Error("the page was reloaded")
	}
}

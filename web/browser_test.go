package web

// This file is the only one that speaks chromedp. The end-to-end tests use
// the small vocabulary below (open a tab, go to a page, click, type, wait
// for a condition, read a value, take a screenshot), so a chromedp upgrade
// touches this file alone.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/bingfa-manyou/walkthrough/runner/testenv"
)

// browserWait bounds every single browser step. It is generous on purpose:
// on a 2-core CI box the race-enabled server and Chromium share the CPU
// with other packages' tests. Steps poll for their condition, so a fast
// machine does not wait this long.
const browserWait = 60 * time.Second

// requireChromium returns the browser to drive, or skips the test when there
// is none, except in CI (CI=true), where browser tests must run.
func requireChromium(t *testing.T) string {
	t.Helper()
	return testenv.Chromium(t)
}

// chrome is one headless Chromium process; each test opens its own tab.
type chrome struct {
	ctx context.Context // owns the process: its first tab's context
}

// startChrome starts Chromium and stops it, process and all, when the test
// ends. Start it after the server, so that it closes first and its sockets
// are gone before the server shuts down.
func startChrome(t *testing.T, execPath string) *chrome {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.NoSandbox, // CI containers run as root
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 800),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("hide-scrollbars", true), // screenshots the same on every machine
		// This machine reaches no network but loopback: keep Chromium from
		// trying (the defaults already stop background networking and sync).
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		// Close the browser politely, then make sure: cancelAlloc kills the
		// process if it is still there and waits until it has exited.
		closeCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := chromedp.Cancel(closeCtx); err != nil && !errors.Is(err, context.Canceled) {
			t.Logf("closing Chromium: %v", err)
		}
		cancelBrowser()
		cancelAlloc()
	})
	// The first action starts the process and binds its life to ctx, so it
	// runs without a deadline of its own.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium %s: %v", execPath, err)
	}
	return &chrome{ctx: ctx}
}

// chromeTab is one browser tab. It records everything the page reports as a
// problem: console errors and warnings, uncaught exceptions, and browser
// log errors, which include Content-Security-Policy violations.
type chromeTab struct {
	t   *testing.T
	ctx context.Context

	mu       sync.Mutex
	problems []string
}

// newTab opens a tab with the given viewport size, in a browser context of
// its own (like a private window: its own localStorage, so tests cannot
// see each other's progress). It closes when the test ends.
func (b *chrome) newTab(t *testing.T, width, height int) *chromeTab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(func() {
		closeCtx, stop := context.WithTimeout(ctx, 10*time.Second)
		defer stop()
		if err := chromedp.Cancel(closeCtx); err != nil && !errors.Is(err, context.Canceled) {
			t.Logf("closing tab: %v", err)
		}
		cancel()
	})
	tb := &chromeTab{t: t, ctx: ctx}
	if err := chromedp.Do(ctx); err != nil { // opens the tab, bound to ctx
		t.Fatalf("opening a tab: %v", err)
	}
	if err := chromedp.Listen(ctx, tb.record); err != nil {
		t.Fatalf("listening to the tab: %v", err)
	}
	tb.resize(width, height)
	return tb
}

// record runs inside chromedp's event loop: it must be quick and must not
// call the browser.
func (tb *chromeTab) record(ev any) {
	var problem string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning ||
			ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				if a.Value != nil {
					args = append(args, string(a.Value))
				} else {
					args = append(args, a.Description)
				}
			}
			problem = fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		problem = fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber+1, text)
	case *log.EventEntryAdded:
		e := ev.Entry
		if e.Level == log.EntryLevelError || e.Level == log.EntryLevelWarning {
			problem = fmt.Sprintf("browser log %s (%s) %s: %s", e.Level, e.Source, e.URL, e.Text)
		}
	}
	if problem == "" {
		return
	}
	tb.mu.Lock()
	tb.problems = append(tb.problems, problem)
	tb.mu.Unlock()
}

// takeProblems returns what the page reported since the last call.
func (tb *chromeTab) takeProblems() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	p := tb.problems
	tb.problems = nil
	return p
}

// step runs browser actions with the per-step time limit.
func (tb *chromeTab) step(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, browserWait)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
}

// resize sets the size of the page's viewport (the window's inside).
func (tb *chromeTab) resize(width, height int) {
	tb.t.Helper()
	tb.step(fmt.Sprintf("resize to %dx%d", width, height), chromedp.EmulateViewport(int64(width), int64(height)))
}

// colorScheme makes the page see the system in "light" or "dark" mode.
func (tb *chromeTab) colorScheme(scheme string) {
	tb.t.Helper()
	tb.step("prefers-color-scheme: "+scheme, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		return err
	}))
}

// clipboard returns the text on the clipboard, as the page at origin may
// read it once the learner allows it (here: the test allows it).
func (tb *chromeTab) clipboard(origin string) string {
	tb.t.Helper()
	id := chromedp.FromContext(tb.ctx).BrowserContextID
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		ctx, cancel := context.WithTimeout(tb.ctx, browserWait)
		_, err := chromedp.CallBrowser(ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
			Permission: &cdpbrowser.PermissionDescriptor{Name: name}, Setting: cdpbrowser.PermissionSettingGranted,
			Origin: origin, BrowserContextID: id,
		})
		cancel()
		if err != nil {
			tb.t.Fatalf("allowing %s: %v", name, err)
		}
	}
	return eval[string](tb, `navigator.clipboard.readText()`)
}

// open loads url and waits for the load event.
func (tb *chromeTab) open(url string) {
	tb.t.Helper()
	tb.step("open "+url, chromedp.Navigate(url))
}

// reload reloads the page and waits for the load event.
func (tb *chromeTab) reload() {
	tb.t.Helper()
	tb.step("reload", chromedp.Reload())
}

// click waits for the element to be visible, then clicks it like a mouse.
func (tb *chromeTab) click(sel string) {
	tb.t.Helper()
	tb.step("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// typeInto replaces the text of an input with text, typed key by key, as a
// learner does: select what is there, type over it. (chromedp.Clear sets
// the value attribute, which a field already typed in ignores. The keys go
// to the focused field with KeyEvent, not SendKeys: chromedp v0.23.0's
// SendKeys reads the node's attributes without its lock while the page
// changes them, a data race the race detector reports.)
func (tb *chromeTab) typeInto(sel, text string) {
	tb.t.Helper()
	tb.step("type into "+sel,
		chromedp.Focus(chromedp.CSS(sel)),
		chromedp.Evaluate[chromedp.Void](`document.activeElement.select()`),
		chromedp.KeyEvent(text))
	// Keys go wherever the focus is: if the page moved it meanwhile, they
	// landed elsewhere, and the test says so here rather than later.
	if got := eval[string](tb, `document.querySelector(`+js(sel)+`).value`); got != text {
		tb.t.Fatalf("typed %q into %s, which holds %q: the focus moved while typing", text, sel, got)
	}
}

// focus moves the keyboard focus to the element.
func (tb *chromeTab) focus(sel string) {
	tb.t.Helper()
	tb.step("focus "+sel, chromedp.Focus(chromedp.CSS(sel)))
}

// keyNames are the keys tests press, by their DOM names.
var keyNames = map[string]string{
	"ArrowLeft": kb.ArrowLeft, "ArrowRight": kb.ArrowRight, "Escape": kb.Escape, "Enter": kb.Enter,
	"Home": kb.Home, "End": kb.End,
}

// press sends one key to whatever has the focus, with Shift held if asked.
func (tb *chromeTab) press(key string, shift bool) {
	tb.t.Helper()
	k, ok := keyNames[key]
	if !ok {
		tb.t.Fatalf("press: no key %q in keyNames", key)
	}
	var opts []chromedp.KeyOption
	if shift {
		opts = append(opts, chromedp.KeyModifiers(chromedp.ModifierShift))
	}
	tb.step("press "+key, chromedp.KeyEvent(k, opts...))
}

// screenshot writes a PNG of the viewport to path.
func (tb *chromeTab) screenshot(path string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, browserWait)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// eval evaluates a JavaScript expression in the page, waiting for it if it
// is a promise, and decodes its JSON value into T.
func eval[T any](tb *chromeTab, expr string) T {
	tb.t.Helper()
	v, err := tryEval[T](tb.ctx, expr, browserWait)
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func tryEval[T any](parent context.Context, expr string, limit time.Duration) (T, error) {
	ctx, cancel := context.WithTimeout(parent, limit)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// waitFor polls a JavaScript condition until it holds. A failed evaluation
// (the page is between two documents, say) counts as "not yet". On timeout
// the test fails with what, and with the value of show at that moment, to
// say what the page looked like instead.
func (tb *chromeTab) waitFor(what, cond, show string) {
	tb.t.Helper()
	deadline := time.Now().Add(browserWait)
	for {
		ok, err := tryEval[bool](tb.ctx, "!!("+cond+")", 10*time.Second)
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			seen, serr := tryEval[string](tb.ctx, "String("+show+")", 10*time.Second)
			if serr != nil {
				seen = "(" + serr.Error() + ")"
			}
			tb.t.Fatalf("waited %v for %s; page shows %q (last error: %v)", browserWait, what, seen, err)
		}
		select {
		case <-tb.ctx.Done():
			tb.t.Fatalf("waiting for %s: %v", what, tb.ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

package blocking

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
)

const (
	spinEvery  = 100 * time.Millisecond // 指针每隔这么久要画一格
	blockAfter = 250 * time.Millisecond // 阻塞调用开始的时刻，落在两格之间
	lateAfter  = 150 * time.Millisecond // 距上一格超过这么久的一格算迟到
	framesPast = 3                      // 调用结束后再画这么多格，然后停下
)

// blockingLoop 在一个自制的事件循环上把同一个小程序跑两遍：一个每 100ms
// 把自己重新登记一次的指针回调，外加一个在 0.25 秒要做慢速阻塞调用的
// 回调。第一遍回调自己去做这次调用；第二遍把调用交给工人池，立刻返回。
func blockingLoop(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	block := p.Duration("block")
	start := time.Now()
	say := func(format string, args ...any) {
		fmt.Fprintf(out, "[%.2fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}

	fmt.Fprintln(out, "1) the callback makes the blocking call itself")
	inLoop, err := spinBesideBlockingCall(ctx, say, ev, block, false)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "longest pause between frames: %.2fs: the loop was stuck inside one callback\n\n", inLoop.Seconds())

	fmt.Fprintln(out, "2) the callback hands the call to a worker pool (like run_in_executor)")
	offloaded, err := spinBesideBlockingCall(ctx, say, ev, block, true)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "longest pause between frames: %.2fs: the loop stayed free\n", offloaded.Seconds())
	return nil
}

// spinBesideBlockingCall 是演示的一轮，返回指针两格之间最长的间隔。
func spinBesideBlockingCall(ctx context.Context, say func(string, ...any), ev runner.Events,
	block time.Duration, offload bool) (time.Duration, error) {
	loop := newLoop()
	workers := newPool(2)
	defer workers.close()

	// 这些变量只有回调会碰，而回调只在循环那一个 goroutine 上一个接一个
	// 地运行：不需要锁。这是单线程循环给的方便。
	var (
		callDone   bool
		framesLeft = framesPast
		frame      int
		last       time.Time
		longest    time.Duration
		next       = time.Now()
	)
	var spin func()
	spin = func() {
		now := time.Now()
		note, status := "", "frame"
		if frame > 0 {
			gap := now.Sub(last)
			longest = max(longest, gap)
			if gap > lateAfter {
				note = fmt.Sprintf("   <- %.2fs since the last frame: the loop was frozen", gap.Seconds())
				status = "late"
			}
		}
		say("spinner %c%s", `|/-\`[frame%4], note)
		ev.Point("spinner", status)
		frame, last = frame+1, now
		if callDone {
			if framesLeft--; framesLeft == 0 {
				loop.stop()
				return
			}
		}
		// 请循环在下一个时刻再运行这个回调。如果循环被冻住过，错过的
		// 时刻直接跳过，不补画。
		if next = next.Add(spinEvery); next.Before(now) {
			next = now.Add(spinEvery)
		}
		loop.callAt(next, spin)
	}
	loop.callSoon(spin)

	loop.callAt(time.Now().Add(blockAfter), func() {
		if !offload {
			ev.Point("loop", "calls blockingCall")
			say("loop: a callback calls blockingCall(%v) itself", block)
			ev.Start("blocking call (in the loop)")
			// 回调自己去等：调用返回之前，循环困在这个回调里。
			if err := blockingCall(ctx, block); err != nil {
				ev.End("blocking call (in the loop)", "stopped")
				return
			}
			ev.End("blocking call (in the loop)", "ok")
			say("loop: blockingCall returned; only now can the loop run other callbacks")
			callDone = true
			return
		}
		ev.Point("loop", "hands off blockingCall")
		say("loop: a callback hands blockingCall(%v) to the pool and returns", block)
		loop.runInExecutor(workers, func() {
			// 这一段在工人 goroutine 上运行，不在循环上。
			ev.Start("blocking call (worker)")
			if err := blockingCall(ctx, block); err != nil {
				ev.End("blocking call (worker)", "stopped")
				return
			}
			ev.End("blocking call (worker)", "ok")
		}, func() {
			// 这一段回到循环上，作为一个新的回调运行。
			ev.Point("loop", "result arrives")
			say("loop: the worker is done; its result arrives as a new callback")
			callDone = true
		})
	})

	err := loop.run(ctx)
	return longest, err
}

// blockingCall 代表 time.Sleep、一次磁盘写入或 requests.get：d 过去之前
// 它不返回，调用它的 goroutine 在这期间什么别的也做不了。它和真正的
// time.Sleep 只有一点不同：本次运行被停止时它会放弃等待，这只是为了按下
// 停止时演示能马上收场。对循环来说这不改变任何事：调用返回之前，循环
// 一直在那个回调里，一个别的回调也跑不了。
func blockingCall(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// eventLoop 是为本课写的一个极小的事件循环。所有活都由调用 run 的那
// 一个 goroutine 来干：取出下一个到期的回调，把它运行到结束，然后才去找
// 下一个。没有什么能打断一个回调，所以一个不返回的回调会冻住其余所有
// 回调。asyncio 的事件循环也是这样工作的。
type eventLoop struct {
	ready    []func()    // 已经到期的回调，按先后排好
	timers   []loopTimer // 以后才到期的回调，按时间排好
	stopping bool

	// 别的 goroutine 不许碰上面这些字段，它们改用 posted 把回调递进来，
	// 就像 asyncio 的 call_soon_threadsafe。
	mu     sync.Mutex
	posted []func()
	wake   chan struct{} // 有回调递进来时放一个令牌
}

type loopTimer struct {
	when time.Time
	fn   func()
}

func newLoop() *eventLoop { return &eventLoop{wake: make(chan struct{}, 1)} }

// callSoon 安排 fn 尽快运行。只能在循环的 goroutine 上调用。
func (l *eventLoop) callSoon(fn func()) { l.ready = append(l.ready, fn) }

// callAt 安排 fn 在 when 运行（循环正忙的话会更晚）。只能在循环的
// goroutine 上调用。
func (l *eventLoop) callAt(when time.Time, fn func()) {
	i := slices.IndexFunc(l.timers, func(t loopTimer) bool { return t.when.After(when) })
	if i < 0 {
		i = len(l.timers)
	}
	l.timers = slices.Insert(l.timers, i, loopTimer{when, fn})
}

// callSoonThreadsafe 可以在任何 goroutine 上调用。
func (l *eventLoop) callSoonThreadsafe(fn func()) {
	l.mu.Lock()
	l.posted = append(l.posted, fn)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default: // 已经有一个令牌在等着了
	}
}

// stop 让 run 在当前回调结束后返回。
func (l *eventLoop) stop() { l.stopping = true }

// run 就是循环本身：运行一个到期的回调，再看一遍；没有到期的回调时，
// 睡到下一个定时器到点，或者有回调被递进来。
func (l *eventLoop) run(ctx context.Context) error {
	for !l.stopping {
		l.collectDue()
		if len(l.ready) > 0 {
			fn := l.ready[0]
			l.ready = l.ready[1:]
			fn() // 这个调用返回之前，循环一直在它里面
			if err := ctx.Err(); err != nil {
				return err
			}
			continue
		}
		if err := l.sleep(ctx); err != nil {
			return err
		}
	}
	return nil
}

// collectDue 把到点的定时器和递进来的回调移进 ready。
func (l *eventLoop) collectDue() {
	now := time.Now()
	for len(l.timers) > 0 && !l.timers[0].when.After(now) {
		l.ready = append(l.ready, l.timers[0].fn)
		l.timers = l.timers[1:]
	}
	l.mu.Lock()
	l.ready = append(l.ready, l.posted...)
	l.posted = nil
	l.mu.Unlock()
}

// sleep 等下一个定时器、一个递进来的回调，或者本次运行结束。
func (l *eventLoop) sleep(ctx context.Context) error {
	var alarm <-chan time.Time
	if len(l.timers) > 0 {
		t := time.NewTimer(time.Until(l.timers[0].when))
		defer t.Stop()
		alarm = t.C
	}
	select {
	case <-alarm:
	case <-l.wake:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// pool 是固定数量的工人 goroutine，相当于 asyncio 的 run_in_executor
// 背后的 ThreadPoolExecutor：阻塞的活交到这里，循环自己的 goroutine
// 就保持空闲。
type pool struct {
	jobs chan func()
	wg   sync.WaitGroup
}

func newPool(workers int) *pool {
	p := &pool{jobs: make(chan func(), 16)}
	for range workers {
		p.wg.Go(func() {
			for job := range p.jobs {
				job()
			}
		})
	}
	return p
}

// close 让工人做完手头的活，并等它们结束。
func (p *pool) close() {
	close(p.jobs)
	p.wg.Wait()
}

// runInExecutor 把 work 交给池子，立刻返回。work 做完后，then 作为一个
// 普通回调回到循环上运行。
func (l *eventLoop) runInExecutor(p *pool, work, then func()) {
	p.jobs <- func() {
		work()
		l.callSoonThreadsafe(then)
	}
}

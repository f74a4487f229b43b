package callbacks

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// runCallbacks 用回调写法算出 alice 这一单的总价。每一步调用都立刻返回，
// 等答案好了再调用 onDone 或 onError。第 2 步要用第 1 步的答案，所以只能
// 在第 1 步的 onDone 里面发起；第 3 步只能在第 2 步的 onDone 里面发起。
// 从上往下读下面的函数体：每多一步，代码就往右缩进一级，每一级都要有
// 自己的错误处理函数。
func runCallbacks(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	shop := &callbackShop{ctx: ctx, latency: p.Duration("latency"), failAt: p.Choice("fail"), ev: ev}
	start := time.Now()
	say := func(depth int, format string, args ...any) {
		fmt.Fprintf(out, "[%.2fs] %s%s\n", time.Since(start).Seconds(),
			strings.Repeat("  ", depth), fmt.Sprintf(format, args...))
	}

	// 这条链最后恰好停在下面四个回调中的一个，由它来填这几个变量。
	var total float64
	var failure error
	failedAt := 0

	say(0, "stage 1: look up the id of user %q", userName)
	shop.fetchUserID(userName, func(id int) {
		say(1, "stage 1 onDone: user id %d -> stage 2: fetch their order", id)
		shop.fetchOrder(id, func(o order) {
			say(2, "stage 2 onDone: order #%d, %d items -> stage 3: ask for the total", o.id, len(o.items))
			shop.fetchTotal(o, func(t float64) {
				say(3, "stage 3 onDone: total %.2f", t)
				total = t
			}, func(err error) {
				say(3, "stage 3 onError saw: %v", err)
				failure, failedAt = err, 3
			})
		}, func(err error) {
			say(2, "stage 2 onError saw: %v", err)
			failure, failedAt = err, 2
		})
	}, func(err error) {
		say(1, "stage 1 onError saw: %v", err)
		failure, failedAt = err, 1
	})

	// 到这里只发起了第 1 步：fetchUserID 立刻就返回了，其余的事都要以后
	// 在别的 goroutine 上、在回调里发生。整条链走完之前 Run 不能返回，
	// 所以在这里等它。
	shop.wait()

	elapsed := time.Since(start).Seconds()
	if err := ctx.Err(); err != nil {
		return err // 学习者按了停止；由 runner 去报告
	}
	if failure != nil {
		fmt.Fprintf(out, "only stage %d's onError saw the error, at nesting depth %d; no outer handler heard of it (%.2fs)\n",
			failedAt, failedAt, elapsed)
		return failure
	}
	fmt.Fprintf(out, "total %.2f after 3 stages in %.2fs\n", total, elapsed)
	return nil
}

// callbackShop 像回调式的库那样调用网店：调用立刻返回，答案以后再通过
// 调用交给它的两个函数之一送达。
type callbackShop struct {
	ctx     context.Context
	latency time.Duration
	failAt  string
	ev      runner.Events
	pending sync.WaitGroup // 还没送达的回调
}

func (s *callbackShop) fetchUserID(name string, onDone func(int), onError func(error)) {
	s.call(1, func() { onDone(lookupUserID(name)) }, onError)
}

func (s *callbackShop) fetchOrder(userID int, onDone func(order), onError func(error)) {
	s.call(2, func() { onDone(lookupOrder(userID)) }, onError)
}

func (s *callbackShop) fetchTotal(o order, onDone func(float64), onError func(error)) {
	s.call(3, func() { onDone(priceOrder(o)) }, onError)
}

// call 发起第 n 步就返回。等过 latency 之后，它在自己的 goroutine 里调用
// answer（由它把结果交给 onDone）或 onError。错误没法返回给任何人：等它
// 发生时，发起这一步的代码早就往下走了。
func (s *callbackShop) call(n int, answer func(), onError func(error)) {
	task := fmt.Sprintf("stage %d", n)
	s.ev.Start(task)
	s.pending.Go(func() {
		t := time.NewTimer(s.latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-s.ctx.Done():
			s.ev.End(task, "stopped")
			s.ev.Point(task, "onError")
			onError(s.ctx.Err())
			return
		}
		if err := injected(s.failAt, n); err != nil {
			s.ev.End(task, "error")
			s.ev.Point(task, "onError")
			onError(err)
			return
		}
		s.ev.End(task, "ok")
		s.ev.Point(task, "onDone")
		answer()
	})
}

// wait 在每个回调都送达之后返回。发起下一步的回调会在返回之前把下一步
// 登记上，所以计数不会在链条中途降到零。
func (s *callbackShop) wait() { s.pending.Wait() }

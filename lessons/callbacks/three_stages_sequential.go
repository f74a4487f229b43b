package callbacks

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// runSequential 用顺序写法算同一个总价：每次调用都等到答案再返回
// (值, error)，三步从上往下读，和 Python 的 async/await 版一样。错误不在
// 发生的地方处理，而是返回出去，由 main 统一处理一次。
func runSequential(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	shop := &blockingShop{latency: p.Duration("latency"), failAt: p.Choice("fail"), ev: ev}
	start := time.Now()
	say := func(format string, args ...any) {
		fmt.Fprintf(out, "[%.2fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}

	total, err := threeStages(ctx, shop, say)

	elapsed := time.Since(start).Seconds()
	if ctx.Err() != nil {
		return ctx.Err() // 学习者按了停止；由 runner 去报告
	}
	if err != nil { // 任何一步的错误都在这唯一的一处处理
		ev.Point("main", "error handled")
		say("main's single error check saw: %v", err)
		fmt.Fprintf(out, "the error was returned up to main and handled there, in one place (%.2fs)\n", elapsed)
		return err
	}
	fmt.Fprintf(out, "total %.2f after 3 stages in %.2fs\n", total, elapsed)
	return nil
}

// threeStages 是这条流水线。每一步都用上一步的结果，所以只能一步接一步；
// 有了 goroutine，不必为此把函数拆成回调：等待中的调用只会让这个
// goroutine 停下，运行时趁机去运行别的 goroutine。
func threeStages(ctx context.Context, shop *blockingShop, say func(string, ...any)) (float64, error) {
	say("stage 1: look up the id of user %q", userName)
	id, err := shop.fetchUserID(ctx, userName)
	if err != nil {
		return 0, err // 不在这里处理，原样交还给调用者
	}
	say("stage 1 returned user id %d -> stage 2: fetch their order", id)
	o, err := shop.fetchOrder(ctx, id)
	if err != nil {
		return 0, err
	}
	say("stage 2 returned order #%d, %d items -> stage 3: ask for the total", o.id, len(o.items))
	total, err := shop.fetchTotal(ctx, o)
	if err != nil {
		return 0, err
	}
	say("stage 3 returned total %.2f", total)
	return total, nil
}

// blockingShop 用顺序的方式调用网店：答案（或错误）没到，调用就不返回。
type blockingShop struct {
	latency time.Duration
	failAt  string
	ev      runner.Events
}

func (s *blockingShop) fetchUserID(ctx context.Context, name string) (int, error) {
	if err := s.call(ctx, 1); err != nil {
		return 0, err
	}
	return lookupUserID(name), nil
}

func (s *blockingShop) fetchOrder(ctx context.Context, userID int) (order, error) {
	if err := s.call(ctx, 2); err != nil {
		return order{}, err
	}
	return lookupOrder(userID), nil
}

func (s *blockingShop) fetchTotal(ctx context.Context, o order) (float64, error) {
	if err := s.call(ctx, 3); err != nil {
		return 0, err
	}
	return priceOrder(o), nil
}

// call 等过第 n 步的延迟，返回它的错误（如果有的话）。等待是一个
// select，所以停止运行会立刻把它叫醒。
func (s *blockingShop) call(ctx context.Context, n int) error {
	task := fmt.Sprintf("stage %d", n)
	s.ev.Start(task)
	t := time.NewTimer(s.latency)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		s.ev.End(task, "stopped")
		return ctx.Err()
	}
	if err := injected(s.failAt, n); err != nil {
		s.ev.End(task, "error")
		return err
	}
	s.ev.End(task, "ok")
	return nil
}

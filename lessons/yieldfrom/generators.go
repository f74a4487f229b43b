package yieldfrom

import (
	"context"
	"fmt"
	"io"
	"iter"
	"sync"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// step 是生产一个值、使用一个值各自假装要忙的时间。有了它，两条流水线的
// 快慢就能用时钟量出来：一条一次只走一步，另一条各级重叠着走。
const step = 20 * time.Millisecond

// generators 把同一条三级流水线 produce → relay → consumer 跑两遍：先用
// 生成器一次拉一个值，再用 channel 连起来的 goroutine。
func generators(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	n := p.Int("items")

	fmt.Fprintln(out, "== 1. iter.Pull: the generators move only when the consumer calls next() ==")
	pulled, pullTook, err := viaPull(ctx, n, out, ev)
	if err != nil {
		return err
	}

	fmt.Fprintln(out, "\n== 2. goroutines + channels: every stage runs on its own ==")
	received, chanTook, err := viaChannels(ctx, n, out, ev)
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "\npull:     %v in %.2fs, one stage at a time\n", pulled, pullTook.Seconds())
	fmt.Fprintf(out, "channels: %v in %.2fs, stages overlap\n", received, chanTook.Seconds())
	return nil
}

// ---- 1. 生成器 ---------------------------------------------------

// produce 是产出 1..n 的生成器。只有有人在要下一个值时，它的函数体才会
// 运行；每到一个 yield 就停下，把控制权交回去。
func produce(ctx context.Context, n int, say func(string, ...any), ev runner.Events) iter.Seq[int] {
	return func(yield func(int) bool) {
		ev.Start("pull: produce")
		defer func() { ev.End("pull: produce", status(ctx)) }()
		for i := 1; i <= n; i++ {
			if !work(ctx) {
				return
			}
			say("  produce: yield %d", i)
			ev.Point("pull: produce", fmt.Sprintf("yield %d", i))
			if !yield(i) { // 停在这里，直到下一次 next()
				return // 消费者提前不要了
			}
		}
		say("  produce: return (no more values)")
	}
}

// relay 是 `yield from` 那一级：sub 的每个值一到就转交出去，最后再产出
// 一个自己的值，即转交过的所有值之和。带提前返回的 range 循环，就是
// `yield from sub` 替你做的全部事情。
func relay(sub iter.Seq[int], say func(string, ...any), ev runner.Events) iter.Seq[int] {
	return func(yield func(int) bool) {
		ev.Start("pull: relay")
		defer ev.End("pull: relay", "returned")
		sum := 0
		for v := range sub { // ≈ yield from sub
			sum += v
			say("  relay:   forward %d", v)
			ev.Point("pull: relay", fmt.Sprintf("forward %d", v))
			if !yield(v) {
				return
			}
		}
		say("  relay:   sub-generator finished, yield own value %d", sum)
		ev.Point("pull: relay", fmt.Sprintf("own %d", sum))
		yield(sum)
	}
}

// viaPull 用 iter.Pull 把流水线变成一个 next() 函数，一步一步地调用它，
// 打印每次调用和它返回的值。
func viaPull(ctx context.Context, n int, out io.Writer, ev runner.Events) ([]int, time.Duration, error) {
	start := time.Now()
	say := sayer(out, start)
	ev.Start("pull: consumer")
	next, stop := iter.Pull(relay(produce(ctx, n, say, ev), say, ev))
	defer stop() // 不论生成器停在哪里，都让它们结束

	var got []int
	for call := 1; ; call++ {
		say("consumer: next() #%d", call)
		v, ok := next() // 让生成器一直跑到它们的下一个 yield
		if ctx.Err() != nil {
			ev.End("pull: consumer", "stopped")
			return nil, 0, ctx.Err()
		}
		if !ok {
			say("consumer: next() says no more values")
			break
		}
		say("consumer: got %d", v)
		ev.Point("pull: consumer", fmt.Sprintf("got %d", v))
		got = append(got, v)
		if !work(ctx) {
			ev.End("pull: consumer", "stopped")
			return nil, 0, ctx.Err()
		}
	}
	ev.End("pull: consumer", "done")
	return got, time.Since(start), nil
}

// ---- 2. goroutine 加 channel ----------------------------------------

// viaChannels 用 goroutine 搭出同样的几级。无缓冲 channel 的发送要等到有人
// 接收，有点像 yield 等 next()；但现在每一级都自己往前跑：消费者还在忙着
// 处理 1 时，生产者已经在做 2 了。
func viaChannels(ctx context.Context, n int, out io.Writer, ev runner.Events) ([]int, time.Duration, error) {
	start := time.Now()
	say := sayer(out, start)
	nums := make(chan int)
	relayed := make(chan int)
	var wg sync.WaitGroup
	defer wg.Wait() // 哪一级都不会比演示活得更久

	wg.Go(func() { // produce
		defer close(nums)
		ev.Start("chan: produce")
		defer func() { ev.End("chan: produce", status(ctx)) }()
		for i := 1; i <= n; i++ {
			if !work(ctx) {
				return
			}
			say("  produce: send %d", i)
			ev.Point("chan: produce", fmt.Sprintf("send %d", i))
			select {
			case nums <- i: // 等 relay 接走
			case <-ctx.Done(): // 本次运行被停止
				return
			}
		}
		say("  produce: close channel")
	})

	wg.Go(func() { // relay：全部转交，再送出自己的值
		defer close(relayed)
		ev.Start("chan: relay")
		defer func() { ev.End("chan: relay", status(ctx)) }()
		sum := 0
		for v := range nums {
			sum += v
			say("  relay:   forward %d", v)
			ev.Point("chan: relay", fmt.Sprintf("forward %d", v))
			select {
			case relayed <- v:
			case <-ctx.Done():
				return
			}
		}
		if ctx.Err() != nil {
			return
		}
		say("  relay:   input closed, send own value %d", sum)
		ev.Point("chan: relay", fmt.Sprintf("own %d", sum))
		select {
		case relayed <- sum:
		case <-ctx.Done():
		}
	})

	ev.Start("chan: consumer")
	var got []int
	for v := range relayed {
		say("consumer: got %d", v)
		ev.Point("chan: consumer", fmt.Sprintf("got %d", v))
		got = append(got, v)
		if !work(ctx) {
			break
		}
	}
	if ctx.Err() != nil {
		ev.End("chan: consumer", "stopped")
		return nil, 0, ctx.Err()
	}
	say("consumer: channel closed, no more values")
	ev.End("chan: consumer", "done")
	return got, time.Since(start), nil
}

// ---- 辅助函数 -------------------------------------------------------------

// work 假装计算一步；本次运行被停止时返回 false。
func work(ctx context.Context) bool {
	t := time.NewTimer(step)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// sayer 打印带时间戳的行，时间从 start 算起，所以每条流水线的时钟都从
// 零开始。
func sayer(out io.Writer, start time.Time) func(string, ...any) {
	return func(format string, args ...any) {
		at := time.Since(start).Seconds()
		fmt.Fprintf(out, "[%.2fs] %s\n", at, fmt.Sprintf(format, args...))
	}
}

// status 说明某一级是怎样结束的，给时间线用。
func status(ctx context.Context) string {
	if ctx.Err() != nil {
		return "stopped"
	}
	return "done"
}

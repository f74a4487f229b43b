package futures

import (
	"context"
	"errors"
	"sync"
	"time"
)

// 结果出来之前去读，有两种失败，分别对应 asyncio.InvalidStateError 和
// concurrent.futures.TimeoutError。
var (
	ErrInvalidState = errors.New("invalid state: result is not set yet")
	ErrTimeout      = errors.New("timeout: result still not set")
)

// Future 是某个任务将来才会给出的值的占位符，为本课而写，好把 Python 的
// 两种 Future 放在一起看：Result 从不等待（asyncio.Future），ResultWait
// 最多等到超时（concurrent.futures.Future）。日常的 Go 代码用通道做这件事。
type Future[T any] struct {
	mu        sync.Mutex
	done      chan struct{} // 完成时关闭，只关闭一次；关闭是广播，谁来读都立刻返回
	value     T
	err       error
	callbacks []func(*Future[T])
}

// NewFuture 返回一个尚未完成的 Future。
func NewFuture[T any]() *Future[T] {
	return &Future[T]{done: make(chan struct{})}
}

// Done 报告 Future 是否已经有了结果（或错误），从不等待。
func (f *Future[T]) Done() bool {
	select {
	case <-f.done: // 已关闭的通道：接收立刻返回，也不取走任何东西
		return true
	default:
		return false
	}
}

// SetResult 以 v 完成 Future，并调用登记过的回调。Future 只能完成一次：
// 第二次完成会失败，返回 ErrInvalidState。
func (f *Future[T]) SetResult(v T) error { return f.complete(v, nil) }

// SetError 以一个失败完成 Future，相当于 set_exception：之后每次读取都
// 得到 err。
func (f *Future[T]) SetError(err error) error {
	var zero T
	return f.complete(zero, err)
}

func (f *Future[T]) complete(v T, err error) error {
	f.mu.Lock()
	if f.Done() {
		f.mu.Unlock()
		return ErrInvalidState
	}
	f.value, f.err = v, err
	close(f.done) // 一次唤醒所有正在 ResultWait 的人
	cbs := f.callbacks
	f.callbacks = nil
	f.mu.Unlock()

	// 回调在锁外调用，所以回调里再读这个 Future（或再登记一个回调）不会
	// 死锁。它们在完成 Future 的那个 goroutine 里，按登记的顺序执行。
	for _, cb := range cbs {
		cb(f)
	}
	return nil
}

// AddDoneCallback 登记 cb，在 Future 完成时以它为参数调用一次。如果已经
// 完成，cb 当场执行。
func (f *Future[T]) AddDoneCallback(cb func(*Future[T])) {
	f.mu.Lock()
	if !f.Done() {
		f.callbacks = append(f.callbacks, cb)
		f.mu.Unlock()
		return
	}
	f.mu.Unlock()
	cb(f)
}

// Result 不等待，直接返回结果，和 asyncio.Future.result() 一样：完成之前
// 得到的是 ErrInvalidState，而不是等待。
func (f *Future[T]) Result() (T, error) {
	if !f.Done() {
		var zero T
		return zero, ErrInvalidState
	}
	// done 关闭之后 value 和 err 再也不会变；关闭这个动作保证它们的写入
	// 发生在这次读取之前。
	return f.value, f.err
}

// ResultWait 阻塞到 Future 完成为止，和
// concurrent.futures.Future.result(timeout) 一样，但最多等 timeout：到点就
// 以 ErrTimeout 放弃。Future 本身不受影响，任务照常运行。ctx 结束时它也
// 放弃。
func (f *Future[T]) ResultWait(ctx context.Context, timeout time.Duration) (T, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-f.done:
		return f.Result()
	case <-t.C:
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
	var zero T
	return zero, ErrTimeout
}

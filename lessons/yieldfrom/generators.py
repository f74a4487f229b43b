# 同一条流水线的 Python 写法：produce -> relay -> 消费者。
# 第一段是生成器：relay 用 yield from 把 produce 的值原样转交（这是生成器委派，
# Python 3.3 起就有，今天照样能用；被 async/await 取代的只是拿它当协程的那种用法）。
# 第二段是线程加队列，对应 Go 里的 goroutine 加 channel。
import queue
import threading
import time

STEP = 0.02  # 生产一个值、使用一个值各假装忙这么久


def produce(n):
    for i in range(1, n + 1):
        time.sleep(STEP)
        print(f"  produce: yield {i}")
        yield i              # 停在这里，直到下一次 next()
    return n * (n + 1) // 2  # 生成器的返回值，会成为 yield from 表达式的值


def relay(n):
    # 核心开始
    total = yield from produce(n)  # 转交每个值；produce 结束时拿到它的返回值
    # 核心结束
    print(f"  relay:   own value {total}")
    yield total


def pull_pipeline(n):
    gen, got = relay(n), []
    while True:
        print(f"consumer: next() #{len(got) + 1}")
        try:
            # 核心开始
            value = next(gen)    # 生成器只在这里往前走一步
            # 核心结束
        except StopIteration:
            return got
        print(f"consumer: got {value}")
        got.append(value)
        time.sleep(STEP)


def thread_pipeline(n):
    # 容量为 1 的队列：Python 没有“放进去就等人来取”的无缓冲队列，这是最接近的
    nums, relayed, end = queue.Queue(1), queue.Queue(1), object()

    def producer():
        for i in range(1, n + 1):
            time.sleep(STEP)
            print(f"  produce: send {i}")
            nums.put(i)
        nums.put(end)

    def relayer():
        total = 0
        while (v := nums.get()) is not end:
            total += v
            relayed.put(v)
        relayed.put(total)
        relayed.put(end)

    workers = [threading.Thread(target=producer), threading.Thread(target=relayer)]
    for w in workers:
        w.start()
    got = []
    while (v := relayed.get()) is not end:
        print(f"consumer: got {v}")
        got.append(v)
        time.sleep(STEP)
    for w in workers:
        w.join()
    return got


if __name__ == "__main__":
    for pipeline in (pull_pipeline, thread_pipeline):
        began = time.monotonic()
        values = pipeline(5)
        print(f"{pipeline.__name__}: {values} in {time.monotonic() - began:.2f}s\n")

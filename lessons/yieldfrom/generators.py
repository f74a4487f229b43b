# 同一条流水线的 Python 写法：produce -> relay -> 消费者，跑两遍。
# 第一遍是生成器：relay 用 yield from 把 produce 的值原样转交（这是生成器委派，
# Python 3.3 起就有，今天照样能用；被 async/await 取代的只是拿它当协程的那种用法）。
# 第二遍是 asyncio 的任务加队列，对应 Go 里的 goroutine 加 channel。
import asyncio
import itertools
import time

import walkthrough as wt  # 课程的小帮手：读参数、报告时间线；单独运行时用默认值

ITEMS = wt.integer("items", 5)  # 生产者产出几个数
STEP = 0.02  # 生产一个值、使用一个值各假装忙这么久
END = object()  # 队列里的结束记号，相当于关闭 channel


def sayer():
    """打印带时间戳的行；每条流水线的时钟都从零开始。"""
    start = time.perf_counter()
    return lambda line: print(f"[{time.perf_counter() - start:.2f}s] {line}")


# ---- 1. 生成器 ----------------------------------------------------------

def produce(n, say):
    wt.start("pull: produce")
    for i in range(1, n + 1):
        time.sleep(STEP)
        say(f"  produce: yield {i}")
        wt.point("pull: produce", f"yield {i}")
        yield i  # 停在这里，直到下一次 next()
    say("  produce: return (no more values)")
    wt.end("pull: produce", "done")
    return n * (n + 1) // 2  # 生成器的返回值，会成为 yield from 表达式的值


def relay(n, say):
    wt.start("pull: relay")
    total = yield from produce(n, say)  # 转交每个值；produce 结束时拿到它的返回值
    # yield from 把每个值直接从 produce 交给消费者，其间 relay 自己的代码一行也不跑，
    # 所以不像 Go 版的 range 循环那样每转交一个值打印一行。
    say(f"  relay:   sub-generator finished, yield own value {total}")
    wt.point("pull: relay", f"own {total}")
    yield total
    wt.end("pull: relay", "returned")


def pull_pipeline(n):
    say = sayer()
    wt.start("pull: consumer")
    gen = relay(n, say)  # 只是造出生成器：它的函数体一行还没跑
    got = []
    for call in itertools.count(1):
        say(f"consumer: next() #{call}")
        try:
            value = next(gen)  # 生成器只在这里往前走，走到它的下一个 yield
        except StopIteration:
            say("consumer: next() says no more values")
            break
        say(f"consumer: got {value}")
        wt.point("pull: consumer", f"got {value}")
        got.append(value)
        time.sleep(STEP)
    wt.end("pull: consumer", "done")
    return got


# ---- 2. 任务加队列 ------------------------------------------------------
# 时间线上沿用 Go 版的名字（chan: ...），两边好对照。

async def tasks_pipeline(n):
    say = sayer()
    # 容量为 1 的队列：asyncio 没有“放进去就等人来取”的无缓冲队列，这是最接近的
    nums, relayed = asyncio.Queue(1), asyncio.Queue(1)

    async def producer():
        wt.start("chan: produce")
        for i in range(1, n + 1):
            await asyncio.sleep(STEP)
            say(f"  produce: put {i}")
            wt.point("chan: produce", f"send {i}")
            await nums.put(i)  # 队列满着就在这里等 relay 取走
        say("  produce: put the end marker")
        await nums.put(END)
        wt.end("chan: produce", "done")

    async def relayer():
        wt.start("chan: relay")
        total = 0
        while (value := await nums.get()) is not END:
            total += value
            say(f"  relay:   forward {value}")
            wt.point("chan: relay", f"forward {value}")
            await relayed.put(value)
        say(f"  relay:   end marker seen, put own value {total}")
        wt.point("chan: relay", f"own {total}")
        await relayed.put(total)
        await relayed.put(END)
        wt.end("chan: relay", "done")

    stages = [asyncio.create_task(producer()), asyncio.create_task(relayer())]
    wt.start("chan: consumer")
    got = []
    while (value := await relayed.get()) is not END:
        say(f"consumer: got {value}")
        wt.point("chan: consumer", f"got {value}")
        got.append(value)
        await asyncio.sleep(STEP)
    say("consumer: end marker seen, no more values")
    wt.end("chan: consumer", "done")
    await asyncio.gather(*stages)  # 哪一级都不会比演示活得更久
    return got


if __name__ == "__main__":
    print("== 1. generators: they move only when the consumer calls next() ==")
    began = time.perf_counter()
    pulled = pull_pipeline(ITEMS)
    pull_took = time.perf_counter() - began

    print("\n== 2. asyncio tasks + queues: every stage runs on its own ==")
    began = time.perf_counter()
    received = asyncio.run(tasks_pipeline(ITEMS))
    tasks_took = time.perf_counter() - began

    print(f"\npull:     {pulled} in {pull_took:.2f}s, one stage at a time")
    print(f"tasks:    {received} in {tasks_took:.2f}s, stages overlap")

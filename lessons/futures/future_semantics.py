# asyncio 版：趁任务还在算，用两种方式各读一次同一个 Future。
# fut.result() 只问不等，没完成就抛 InvalidStateError；
# “最多等多久”在协程里写成 await asyncio.wait_for(...)，等的时候事件循环照转。
# 线程池 submit 交回的那种 Future（concurrent.futures）用 result(timeout) 阻塞地等（见课文），
# 在事件循环的线程上那样等会冻住整个循环，所以这里换成 wait_for：Go 版的
# ResultWait 阻塞的只是一个 goroutine，两边的时间线因此一样。
import asyncio
import time

import walkthrough as wt  # 课程的小帮手：读参数、报告时间线；单独运行时用默认值

TASK = wt.text("task", "500ms")  # 任务要多久才给出结果
TIMEOUT = wt.text("timeout", "100ms")  # 最多等多久
T0 = time.perf_counter()


def say(line: str) -> None:
    print(f"[{time.perf_counter() - T0:.2f}s] {line}")


def read(fut: asyncio.Future) -> tuple[str, str]:
    """不等待地读一次：返回控制台上的样子，和时间线上的状态。"""
    try:
        return str(fut.result()), "ok"
    except asyncio.InvalidStateError as exc:
        return f"error: InvalidStateError: {exc}", "invalid state"


async def main() -> None:
    loop = asyncio.get_running_loop()
    fut = loop.create_future()

    async def work() -> None:
        wt.start("task")
        await asyncio.sleep(wt.parse_duration(TASK))
        say("task finishes: set_result(42)")
        wt.end("task", "ok")
        fut.set_result(42)  # 回调不在这里执行：它被排进事件循环，稍后才轮到

    task = asyncio.create_task(work())  # 和 Go 版的 go func() 一样：现在就开始，以后再完成 fut
    say(f"task started (needs {TASK}); done() = {fut.done()}")

    def on_done(f: asyncio.Future) -> None:
        wt.point("callback", "fired")
        say(f"callback fired: done() = {f.done()}, result() → {read(f)[0]}")

    fut.add_done_callback(on_done)
    say("add_done_callback: registered, waits for completion")

    # 1. asyncio 的读法：从不等待。
    shown, status = read(fut)
    wt.point("Result()", status)
    say(f"result() → {shown}")

    # 2. 会等的读法，但最多等 TIMEOUT。shield 让超时只放弃这一次等待，
    # 不去取消 fut：任务照常运行。
    say(f"wait_for(fut, {TIMEOUT}) waits...")
    wt.start("ResultWait")
    try:
        value = await asyncio.wait_for(asyncio.shield(fut), wt.parse_duration(TIMEOUT))
    except TimeoutError:
        wt.end("ResultWait", "timeout")
        say(f"wait_for(fut, {TIMEOUT}) → error: TimeoutError; the task keeps running")
    else:
        wt.end("ResultWait", "ok")
        say(f"wait_for(fut, {TIMEOUT}) → {value}")

    # 3. 等任务做完；回调已在它完成 fut 之后的下一轮循环里执行过了。
    await task
    shown, status = read(fut)
    wt.point("Result()", status)
    say(f"result() → {shown}, without waiting: done() = {fut.done()}")


if __name__ == "__main__":
    asyncio.run(main())

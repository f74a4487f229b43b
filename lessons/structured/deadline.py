# 给慢工作限时：timeout 和 wait_for 到点都会取消工作，shield 护住它，只放弃等待。
import asyncio
import time

import walkthrough as wt  # 课程的小帮手：读参数、报告时间线；单独运行时用默认值

HOW = wt.text("how", "timeout")  # timeout、wait_for 或 shield
WORK = wt.text("work", "300ms")  # 工作要花多久
TIMEOUT = wt.text("timeout", "200ms")  # 最多等多久
T0 = time.perf_counter()


def say(line: str) -> None:
    print(f"[{time.perf_counter() - T0:.2f}s] {line}")


async def work() -> int:
    wt.start("work")
    try:
        await asyncio.sleep(wt.parse_duration(WORK))
    except asyncio.CancelledError:
        say("work: cancelled")
        wt.end("work", "cancelled")
        raise
    say("work: done, 42")
    wt.end("work", "ok")
    return 42


async def main() -> None:
    say(f"work needs {WORK}, timeout {TIMEOUT} ({HOW})")
    limit = wt.parse_duration(TIMEOUT)
    wt.start("wait")
    task = None
    try:
        if HOW == "timeout":
            async with asyncio.timeout(limit):  # 到点时取消块里正在 await 的东西
                answer = await work()
        elif HOW == "wait_for":
            task = asyncio.create_task(work())
            answer = await asyncio.wait_for(task, limit)  # 超时就取消 task，等它收完尾
        else:
            task = asyncio.create_task(work())
            answer = await asyncio.wait_for(asyncio.shield(task), limit)  # 被取消的只是外面那层
    except TimeoutError:
        wt.end("wait", "timeout")
        if HOW == "shield":
            say("wait: timed out; the work goes on")
            answer = await task  # task 没被取消，照样跑完，最后还是要等它
            say(f"later: the work's answer is {answer}")
        else:
            say("wait: timed out")
    else:
        wt.end("wait", "ok")
        say(f"wait: got {answer}")


if __name__ == "__main__":
    asyncio.run(main())

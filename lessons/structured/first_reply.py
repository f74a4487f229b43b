# 向几个镜像要同一份数据，用最先到的那份，其余的取消。
import asyncio
import time

import walkthrough as wt  # 课程的小帮手：读参数、报告时间线；单独运行时用默认值

DELAYS = wt.durations("delays", "300ms,100ms,200ms")  # 每个镜像要多久才回复
T0 = time.perf_counter()


def now() -> float:
    return time.perf_counter() - T0


async def ask(mirror: int, delay: float, replies: asyncio.Queue) -> None:
    name = f"mirror {mirror}"
    wt.start(name)
    try:
        await asyncio.sleep(delay)
    except asyncio.CancelledError:
        replies.put_nowait((mirror, "cancelled"))
        wt.end(name, "cancelled")
        raise
    replies.put_nowait((mirror, "ok"))
    wt.end(name, "ok")


async def main() -> None:
    replies: asyncio.Queue = asyncio.Queue(maxsize=len(DELAYS))  # 每个镜像一格
    tasks = [asyncio.create_task(ask(i, d, replies)) for i, d in enumerate(DELAYS, 1)]
    mirror, _ = await replies.get()  # 只要最先到的那份
    print(f"[{now():.2f}s] first reply: mirror {mirror}")
    for t in tasks:
        t.cancel()  # 其余的不必再等了
    await asyncio.gather(*tasks, return_exceptions=True)  # 等它们都收完尾
    print(f"[{now():.2f}s] every mirror has returned")


if __name__ == "__main__":
    asyncio.run(main())

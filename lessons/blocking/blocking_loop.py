# 同一个事件循环跑两轮：第一轮在协程里直接 time.sleep，整个循环连同指针一起停住；
# 第二轮用 run_in_executor 把它交给线程池，循环空出来，指针照常转。
import asyncio
import contextlib
import itertools
import time

BLOCK = 1.0


async def spin(started: float) -> None:
    for mark in itertools.cycle("|/-\\"):
        print(f"[{time.monotonic() - started:.2f}s] spinner {mark}")
        await asyncio.sleep(0.1)


async def one_round(started: float, offload: bool) -> None:
    spinner = asyncio.create_task(spin(started))
    await asyncio.sleep(0.25)
    # 核心开始
    if offload:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, time.sleep, BLOCK)  # 线程池里的线程去等
    else:
        time.sleep(BLOCK)  # 事件循环的线程自己在等：什么回调都跑不了
    # 核心结束
    await asyncio.sleep(0.25)
    spinner.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await spinner


async def main() -> None:
    started = time.monotonic()
    print("1) 协程里直接调用阻塞函数")
    await one_round(started, offload=False)
    print("2) 交给 run_in_executor")
    await one_round(started, offload=True)


if __name__ == "__main__":
    asyncio.run(main())

# asyncio 版：三个协程一起开始，事件循环在它们各自等待时来回切换，gather 按提交顺序交回结果。
import asyncio
import time


async def task(n: int, seconds: float, t0: float) -> str:
    print(f"[{time.perf_counter() - t0:.2f}s] task {n} starts (sleeps {seconds}s)")
    # 核心开始
    await asyncio.sleep(seconds)  # 挂起自己，把线程让给事件循环
    # 核心结束
    print(f"[{time.perf_counter() - t0:.2f}s] task {n} done")
    return f"task {n} slept {seconds}s"


async def main(durations=(1, 2, 3)) -> None:
    t0 = time.perf_counter()
    # 核心开始
    # gather 把每个协程包成任务排进事件循环，等全部结束，按传入的顺序给出结果
    results = await asyncio.gather(*(task(n, s, t0) for n, s in enumerate(durations, 1)))
    # 核心结束
    print("results in submission order:", results)
    total = time.perf_counter() - t0
    print(f"total {total:.2f}s — the longest task, not the sum ({sum(durations):.2f}s)")


if __name__ == "__main__":
    asyncio.run(main())  # 建一个事件循环，运行 main 直到它返回，再关掉循环

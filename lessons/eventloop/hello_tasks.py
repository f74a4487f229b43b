# asyncio 版：几个协程一起开始，事件循环在它们各自等待时来回切换，gather 按提交顺序交回结果。
import asyncio
import time

import walkthrough as wt  # 课程的小帮手：读参数、报告时间线；单独运行时用默认值

# 每个任务睡多久：原文（如 "1s"）用来打印，换算成的秒数交给 asyncio.sleep
TEXTS = wt.text("durations", "1s,2s,3s").split(",")
SECONDS = wt.durations("durations", "1s,2s,3s")


async def task(name: str, text: str, seconds: float, t0: float) -> str:
    wt.start(name)
    print(f"[{time.perf_counter() - t0:.2f}s] {name} starts (sleeps {text})")
    await asyncio.sleep(seconds)  # 挂起自己，把线程让给事件循环
    print(f"[{time.perf_counter() - t0:.2f}s] {name} done")
    wt.end(name, "ok")
    return f"{name} slept {text}"


async def main() -> None:
    t0 = time.perf_counter()
    jobs = [task(f"task {n}", text, s, t0) for n, (text, s) in enumerate(zip(TEXTS, SECONDS), 1)]
    # gather 把每个协程包成任务排进事件循环，等全部结束，按传入的顺序给出结果
    results = await asyncio.gather(*jobs)
    total = time.perf_counter() - t0
    print(f"results in submission order: [{', '.join(results)}]")
    print(f"total {total:.2f}s — the longest task, not the sum ({sum(SECONDS):.2f}s)")


if __name__ == "__main__":
    asyncio.run(main())  # 建一个事件循环，运行 main 直到它返回，再关掉循环

# 协程版：旋转指针是一个 Task，用 cancel() 让它在下一个 await 处抛出 CancelledError。
import asyncio
import itertools

import walkthrough as wt  # 课程的小帮手：读参数、报告时间线；单独运行时用默认值

SLOW = wt.duration("slow", "3s")  # 慢调用要多久，单位秒
FRAME = wt.duration("frame", "80ms")  # 指针每转一格的间隔


async def draw(label: str) -> None:
    wt.start("spinner")
    text = ""
    try:
        for mark in itertools.cycle("|/-\\"):
            text = f"{mark} {label}"
            print(text + "\b" * len(text), end="", flush=True)
            wt.point("spinner", "frame")
            await asyncio.sleep(FRAME)  # 交出控制权，也是可以被取消的地方
    except asyncio.CancelledError:
        print(" " * len(text) + "\b" * len(text), end="", flush=True)
        wt.end("spinner", "cancelled")
        raise  # 擦完再把取消抛出去，Task 才算是被取消而不是正常结束


async def slow_call() -> int:
    wt.start("slow call")
    await asyncio.sleep(SLOW)  # 假装在等网络，事件循环趁机去转指针
    wt.end("slow call", "ok")
    return 42


async def main() -> None:
    spinner = asyncio.create_task(draw("thinking..."))  # 包成 Task，当场排进事件循环
    answer = await slow_call()
    spinner.cancel()  # 只是登记取消；draw 停着的 await 会抛出 CancelledError
    try:
        await spinner  # 等它真正收尾（擦掉指针）
    except asyncio.CancelledError:
        pass
    print("Answer:", answer)


if __name__ == "__main__":
    asyncio.run(main())

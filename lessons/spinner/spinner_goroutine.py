# 协程版：旋转指针是一个 Task，用 cancel() 让它在下一个 await 处抛出 CancelledError。
import asyncio
import itertools


async def draw(label: str, frame: float = 0.1) -> None:
    text = ""
    try:
        for mark in itertools.cycle("|/-\\"):
            text = f"{mark} {label}"
            print(text + "\b" * len(text), end="", flush=True)
            await asyncio.sleep(frame)  # 交出控制权，也是可以被取消的地方
    except asyncio.CancelledError:
        print(" " * len(text) + "\b" * len(text), end="")
        raise


async def slow_call() -> int:
    await asyncio.sleep(3)  # 假装在等网络，事件循环趁机去转指针
    return 42


async def main() -> None:
    spinner = asyncio.create_task(draw("thinking..."))
    answer = await slow_call()
    spinner.cancel()
    try:
        await spinner
    except asyncio.CancelledError:
        pass
    print("Answer:", answer)


if __name__ == "__main__":
    asyncio.run(main())

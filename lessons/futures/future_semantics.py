# 同一个思路的两种 Future：asyncio 版的 result() 从不等待；
# 线程池 submit 返回的那种，result(timeout) 会阻塞，最多等 timeout 秒。
import asyncio
import concurrent.futures
import time


def slow_answer(seconds: float = 0.5) -> int:
    time.sleep(seconds)  # 在线程池的线程里睡，不碍着主线程
    return 42


def with_threads(timeout: float = 0.1) -> None:
    with concurrent.futures.ThreadPoolExecutor() as pool:
        fut = pool.submit(slow_answer)
        # 回调在线程池的线程里执行，和主线程的打印可能交错，所以整行一次写出
        fut.add_done_callback(lambda f: print(f"callback fired: {f.result()}\n", end=""))
        # 核心开始
        try:
            fut.result(timeout=timeout)  # 阻塞，但最多等 timeout 秒
        except concurrent.futures.TimeoutError:
            # 核心结束
            print(f"result({timeout}) timed out; the task keeps running")
        print(f"result(): {fut.result()}\n", end="")  # 不给 timeout 就一直等到完成


async def with_asyncio() -> None:
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    loop.call_later(0.5, fut.set_result, 42)  # 0.5 秒后由事件循环填入结果
    fut.add_done_callback(lambda f: print("callback fired:", f.result()))
    # 核心开始
    try:
        fut.result()  # 还没完成：立刻报错，绝不阻塞事件循环
    except asyncio.InvalidStateError:
        print("result() before done: InvalidStateError")
    print("await fut:", await fut)  # 在 asyncio 里，“等”要写成 await
    # 核心结束


if __name__ == "__main__":
    with_threads()
    asyncio.run(with_asyncio())

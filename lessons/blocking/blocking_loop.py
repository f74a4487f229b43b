# 同一个事件循环跑两轮：每 0.1 秒画一格的指针，外加一个在 0.25 秒做阻塞调用的回调。
# 第一轮回调自己调用，循环连同指针一起停住；第二轮用 run_in_executor 交给线程池，循环空出来。
import asyncio
import itertools
import time

import walkthrough as wt  # 课程的小帮手：读参数、报告时间线

BLOCK = wt.duration("block", "1s")  # 阻塞调用占住多久，单位秒
MARKS = "|/-\\"
T0 = time.perf_counter()


def say(line):
    print(f"[{time.perf_counter() - T0:.2f}s] {line}")


def blocking_call(seconds):
    time.sleep(seconds)  # 代表一次磁盘写入或 requests.get：不返回，线程就什么也做不了


async def spin(call_done):
    """每 0.1 秒画一格，错过的不补画；调用结束后再画 3 格，返回两格之间最长的间隔。"""
    loop = asyncio.get_running_loop()
    longest, last, due, left = 0.0, None, loop.time(), 3
    for frame in itertools.count():
        now = loop.time()
        gap = 0.0 if last is None else now - last
        longest, last = max(longest, gap), now
        note = f"   <- {gap:.2f}s since the last frame: the loop was frozen" if gap > 0.15 else ""
        say(f"spinner {MARKS[frame % 4]}{note}")
        wt.point("spinner", "late" if note else "frame")
        if call_done.is_set():
            left -= 1
            if left == 0:
                return longest
        due = due + 0.1 if due + 0.1 >= now else now + 0.1
        await asyncio.sleep(due - loop.time())


async def one_round(offload):
    loop = asyncio.get_running_loop()
    call_done = asyncio.Event()

    def in_a_worker():  # 在线程池的线程上运行，不在循环上
        wt.start("blocking call (worker)")
        blocking_call(BLOCK)
        wt.end("blocking call (worker)", "ok")

    def result_arrives(_):
        wt.point("loop", "result arrives")
        say("loop: the worker is done; its result arrives as a new callback")
        call_done.set()

    def callback():  # 一个普通的回调，事件循环在 0.25 秒时调用它
        if offload:
            wt.point("loop", "hands off blockingCall")
            say(f"loop: a callback hands blocking_call({BLOCK}) to the pool and returns")
            worker = loop.run_in_executor(None, in_a_worker)  # 交给线程池，立刻返回
            worker.add_done_callback(result_arrives)  # 做完时，结果作为新的回调回到循环上
            return
        wt.point("loop", "calls blockingCall")
        say(f"loop: a callback calls blocking_call({BLOCK}) itself")
        wt.start("blocking call (in the loop)")
        blocking_call(BLOCK)  # 回调自己去等：它返回之前，循环困在这里
        wt.end("blocking call (in the loop)", "ok")
        say("loop: blocking_call returned; only now can the loop run other callbacks")
        call_done.set()

    loop.call_later(0.25, callback)
    return await spin(call_done)


async def main():
    print("1) the callback makes the blocking call itself")
    longest = await one_round(offload=False)
    print(f"longest pause between frames: {longest:.2f}s: the loop was stuck inside one callback\n")
    print("2) the callback hands the call to a worker pool (run_in_executor)")
    longest = await one_round(offload=True)
    print(f"longest pause between frames: {longest:.2f}s: the loop stayed free")


if __name__ == "__main__":
    asyncio.run(main())

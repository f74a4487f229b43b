# 线程版的对照：主线程卡在 os.read 里等管道的另一端，指针线程照常转。
# 阻塞的系统调用会释放 GIL，别的线程照跑；Go 的运行时对 goroutine 做的是同一件事。
import concurrent.futures
import os
import tempfile
import threading
import time

import walkthrough as wt  # 课程的小帮手：读参数、报告时间线

BLOCK = wt.text("block", "1s")  # 管道的另一端过多久才回答
MARKS = "|/-\\"
T0 = time.perf_counter()


def say(line):
    print(f"[{time.perf_counter() - T0:.2f}s] {line}\n", end="")  # 两个线程都在打印：整行一次写出


def spin(stop):
    """每 0.1 秒画一格，直到 stop 被设置；返回两格之间最长的间隔。"""
    longest, last, frame = 0.0, time.perf_counter(), 0
    while True:
        now = time.perf_counter()
        gap, last = now - last, now
        longest = max(longest, gap)
        note = f"   <- {gap:.2f}s since the last frame" if gap > 0.15 else ""
        say(f"spinner {MARKS[frame % 4]}{note}")
        wt.point("spinner", "late" if note else "frame")
        frame += 1
        if stop.wait(0.1):  # 睡一格；标志一设置就提前醒来
            return longest


def slow_read():
    r, w = os.pipe()
    threading.Timer(wt.parse_duration(BLOCK), os.write, (w, b"Answer: 42")).start()  # 另一端过一会儿才回答
    say(f"main: read(2) on a pipe; the far end answers in {BLOCK}")
    wt.start("read(2)")
    data = os.read(r, 64)  # 阻塞的 read(2)：这个线程在内核里等
    wt.end("read(2)", "ok")
    say(f'main: read returned "{data.decode()}"')
    return data


def save_to_disk(data):
    with tempfile.TemporaryDirectory() as tmp:  # 什么也不留下
        wt.start("write+fsync")
        began = time.perf_counter()
        with open(os.path.join(tmp, "answer.txt"), "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())  # 又一个阻塞调用：等磁盘确认
        took = time.perf_counter() - began
        wt.end("write+fsync", "ok")
    say(f"main: wrote {len(data)} bytes to a temp file and fsynced them in {took * 1000:.3f}ms")


def main():
    stop = threading.Event()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        spinner = pool.submit(spin, stop)  # 指针在另一个线程里转
        began = time.perf_counter()
        data = slow_read()  # 主线程在内核里等，指针照转
        blocked = time.perf_counter() - began
        save_to_disk(data)
        stop.set()
        longest = spinner.result()  # submit 交回的 Future：指针线程见过的最长间隔
    print(f"longest pause between frames: {longest:.2f}s, while main spent {blocked:.2f}s blocked in read(2)")


if __name__ == "__main__":
    main()

# 线程版的对照：主线程卡在 os.read 里等管道的另一端，指针线程照常转。
# 阻塞的系统调用会释放 GIL，操作系统让别的线程继续跑；Go 的运行时对
# goroutine 做的是同一件事，只是不用你自己开线程。
import itertools
import os
import tempfile
import threading
import time

BLOCK = 1.0
MARKS = "|/-\\"


def spin(stop: threading.Event, started: float) -> None:
    for i in itertools.count():
        print(f"[{time.monotonic() - started:.2f}s] spinner {MARKS[i % 4]}")
        if stop.wait(0.1):
            break


def main() -> None:
    started = time.monotonic()
    stop = threading.Event()
    # 核心开始
    spinner = threading.Thread(target=spin, args=(stop, started))
    spinner.start()

    r, w = os.pipe()
    threading.Timer(BLOCK, os.write, args=(w, b"Answer: 42")).start()  # 另一端过一会儿才回答
    data = os.read(r, 64)  # 阻塞的 read(2)：这个线程在内核里等
    # 核心结束
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "answer.txt"), "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())  # 又一个阻塞调用：等磁盘确认

    stop.set()
    spinner.join()
    print(data.decode())


if __name__ == "__main__":
    main()

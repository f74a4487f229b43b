"""课程给 Python 程序的小帮手：读参数，报告时间线。

程序照常是普通的 asyncio 代码，只多一行 import 和几次调用：

    import walkthrough as wt
    slow = wt.duration("slow", "3s")   # 课程传来的参数；单独运行时用默认值
    wt.start("task 1")                 # 时间线上一个横条开始
    wt.end("task 1", "ok")             # ……结束，带一个状态
    wt.point("task 1", "callback")     # 一个瞬间
    wt.wait("task 2")                  # 开始排队（等名额、等锁），到它的 start 为止

时间线事件写到课程服务器给的一条单独管道（文件描述符 3），
绝不混进标准输出；单独运行时没有这条管道，这些调用什么也不做。
"""

import atexit
import json
import os
import re
import sys
import time

_args = {}
_flags_url = "http://127.0.0.1:8001"
_events = None


def _read_argv():
    global _flags_url
    rest = sys.argv[1:]
    if len(rest) >= 2 and rest[0] == "--flags-url":
        _flags_url = rest[1].rstrip("/")
        rest = rest[2:]
    for arg in rest:
        name, sep, value = arg.partition("=")
        if sep:
            _args[name] = value


def _open_events():
    try:
        return os.fdopen(3, "w", buffering=1, encoding="utf-8")
    except OSError:
        return None  # 不在课程里运行：没有时间线


_read_argv()
_events = _open_events()

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


def parse_duration(text):
    """把 Go 写法的时长（250ms、1.5s、1m30s）换成秒。"""
    text = text.strip()
    if text in ("0", ""):
        return 0.0
    total, pos = 0.0, 0
    for m in _PART.finditer(text):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if pos != len(text):
        raise ValueError(f"不是时长：{text!r}")
    return total


def text(name, default):
    """参数的原文；课程没给时用 default。"""
    return _args.get(name, default)


def integer(name, default):
    return int(text(name, str(default)))


def number(name, default):
    return float(text(name, str(default)))


def duration(name, default):
    """时长参数，单位秒。"""
    return parse_duration(text(name, default))


def durations(name, default):
    """逗号分隔的一串时长，单位秒。"""
    return [parse_duration(part) for part in text(name, default).split(",")]


def flags_url():
    """国旗服务器的地址：课程运行时由服务器给出。"""
    return _flags_url


def _emit(task, phase, status=""):
    if _events is None:
        return
    try:
        _events.write(json.dumps({"task": task, "phase": phase, "status": status,
                                  "mono_ns": time.monotonic_ns()}, ensure_ascii=False) + "\n")
    except OSError:
        pass  # 服务器已经不听了：程序照样跑完


def wait(task):
    _emit(task, "wait")


def start(task):
    _emit(task, "start")


def end(task, status="ok"):
    _emit(task, "end", status)


def point(task, status=""):
    _emit(task, "point", status)


# 程序的第一条语句就是 import walkthrough：走到这里，解释器的启动已经
# 结束；程序跑完最后一句时，解释器开始退出。两处都告诉课程服务器，它好
# 把启动、退出和程序自己的用时分开。时刻用本机的单调时钟（与服务器同一
# 个）记下：服务器忙时读到这一行会晚，时刻却不会跟着晚。
def _mark(phase):
    if _events is None:
        return
    try:
        _events.write(json.dumps({"phase": phase, "mono_ns": time.monotonic_ns()}) + "\n")
    except (OSError, ValueError):
        pass  # 服务器已经不听了，或者管道已经关上


_mark("program")
atexit.register(_mark, "exit")


# 在课程里被停下（SIGINT，随后是 SIGKILL）：打印完 KeyboardInterrupt 的
# 回溯就立刻退出。否则解释器退出前还要等程序留下的非守护线程（比如线程版
# 的指针），一直等到 SIGKILL，“停止”就慢了。单独运行时一切照旧。
_print_uncaught = sys.excepthook


def _stop_at_once(kind, value, tb):
    _print_uncaught(kind, value, tb)
    if _events is not None and issubclass(kind, KeyboardInterrupt):
        _mark("exit")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)


sys.excepthook = _stop_at_once

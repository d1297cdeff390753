"""A one-line description of the machine a benchmark ran on, for the tables in docs/benchmarks.md."""

import os
import platform
from pathlib import Path


def describe_machine() -> str:
    """Return CPUs, memory, system and Python of this machine in one line."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} CPUs ({model}), {memory_gib:.0f} GiB RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, {platform.machine()}"
    )

"""Package metadata and the ``dvst`` console script. Tool settings live in pyproject.toml."""

from pathlib import Path

from setuptools import find_packages, setup

setup(
    name="dvst",
    version="0.1.0",
    description="Deep video semantic transmission (DVST) over PlutoSDR radios and a loopback simulator",
    long_description=Path("README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.11",
    packages=find_packages(include=["dvst*", "radio*", "sync*", "gui*", "calibration*", "baselines*",
                                    "foundation*"]),
    # shipped YAML is read as package resources (importlib.resources): any install layout works
    package_data={"dvst": ["zoo/weights/*.pt", "zoo/*.yaml", "codec/configs/*.yaml", "train/recipes/*.yaml"],
                  "radio": ["profiles/*.yaml", "channel/scenarios/*.yaml"]},
    install_requires=[
        # Pinned: an unpinned torch pulls a multi-GB CUDA build; 2.13.0 is the CPU wheel.
        "torch==2.13.0",
        "numpy>=1.26",
        "scipy>=1.11",
        "numba>=0.60",
        "pyyaml>=6",
        "tqdm>=4.66",
        "av==18.1.*",  # newest PyAV for Python 3.11; bundles libx264 and libx265
        "pillow>=10",
        "pyzmq>=25",  # the zmq device: GNU Radio's ZeroMQ IQ blocks
        "matplotlib>=3.8",
        "scikit-image>=0.22",  # ships the photographs of the default demo clip
        "pytorch-msssim>=1.0",
        "bjontegaard>=1.3",
        "PySide6-Essentials>=6.6,<6.12",  # 6.12.0 drops a reference to None per void call on Python 3.11: aborts
        "pyqtgraph>=0.13.7",
        "sigmf>=1.2",
        "pyadi-iio>=0.0.17",
        "pylibiio==0.25",  # Debian's libiio0 is 0.24; pylibiio 1.0 refuses it
    ],
    extras_require={
        "test": ["pytest>=8", "pytest-qt>=4.4", "pytest-timeout>=2.3", "hypothesis>=6.100", "sionna-no-rt>=2.0",
                 # CI's checks before the tests: the import layers (.importlinter) and the lint rules
                 "import-linter>=2.1,<3", "ruff>=0.17,<0.18"],
    },
    entry_points={"console_scripts": ["dvst=dvst.cli:main"]},
)

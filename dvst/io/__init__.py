"""Video input and output: real decoders (PyAV), PNG folders, raw YUV 4:2:0, a demo clip."""

from dvst.io.video import FrameSource, open_source, read_frames, write_video  # noqa: F401

# expect: 5:5: the script raises ValueError(f"unknown size {size}") here, and nothing catches it
import keras
size = "huge"
if size not in ("small", "large"):
    raise ValueError(f"unknown size {size}")

# expect: 2:1: cannot unpack 3 values into 2 targets
a, b = 1, 2, 3

# expect: 4:1: unsupported statement 'while'
import keras
n = 3
while n > 0:
    n -= 1

# expect: 6:15: calling the generator function 'blocks' is not supported: kiln does not run generators
import keras
def blocks(n):
    for i in range(n):
        yield keras.layers.Dense(i + 1)
layers = list(blocks(3))

import keras
model = keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Conv3D(4, 3)])

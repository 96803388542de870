# expect: 2:1: 'from keras.layers import *' is not supported; import the names you use
from keras.layers import *

# expect: 4:5: 'int' object is not callable
import keras
num_classes = 10
x = num_classes(3)

# expect: 5:3: unindent does not match any outer indentation level
import keras
def build():
    x = 1
  return x

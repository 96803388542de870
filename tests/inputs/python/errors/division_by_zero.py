# expect: 3:9: division by zero
batch = 128
steps = batch // (batch - 128)

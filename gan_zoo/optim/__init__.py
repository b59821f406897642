"""Update rules that are not losses: the differentiable Adam that unrolled GANs backpropagate through
(``unroll.py``) and Mixflow's EM update of the mixture weights (``em.py``). Plain functions on tensors;
they know nothing of Lightning. (Ordinary training uses torch.optim; these are the steps a method takes by
hand because the paper's algorithm needs them written out.)"""

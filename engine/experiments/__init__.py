"""The book's experiments as plain functions (no Qt): optimizer paths on 2-D surfaces, optimizers on
MNIST, activation statistics under different initialisations, overfitting and regularisation, random
hyperparameter search, and looking inside a trained model. The Explore tabs of the app draw them."""

"""What is kept on disk: model files (.npz plus JSON, never pickle), the user's handwriting samples,
atomic writes, and where the bundled resources and the user's folder are."""

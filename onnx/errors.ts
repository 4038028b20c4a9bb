/** The one error a model file's loading throws, whatever was wrong with the bytes or their meaning. */
export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

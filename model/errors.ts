/**
 * A kernel of a model that the compiler could not build (a schedule lowering refused, codegen lacking
 * something): names the graph nodes of the kernel, their ops, and the cause's message.
 */
export class ModelCompileError extends Error {
  override name = 'ModelCompileError';
}

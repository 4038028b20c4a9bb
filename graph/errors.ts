/**
 * A graph that cannot be compiled as it stands: a structural fault (a tensor read before it is
 * produced, a cycle), an operator the library lacks, a symbolic dimension left unbound. The message
 * names the node, its op and opset, or the tensor, and says what is supported.
 */
export class GraphError extends Error {
  override name = 'GraphError';
}

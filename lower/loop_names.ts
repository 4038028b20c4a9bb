/** Loop variables are named "<stage>.<axis>"; errors about a loop name both. */
export function stageAndAxis(loopVarName: string): [string, string] {
  const dot = loopVarName.indexOf('.');
  return dot < 0 ? [loopVarName, loopVarName] : [loopVarName.slice(0, dot), loopVarName.slice(dot + 1)];
}

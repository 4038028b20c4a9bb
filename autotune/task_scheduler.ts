/**
 * Which task gets the next round of trials when many are tuned together (a model's kernels): Ansor's
 * gradient-based task scheduler (Zheng et al., "Ansor: Generating High-Performance Tensor Programs
 * for Deep Learning", OSDI 2020, §6; TVM's auto_scheduler/task_scheduler.py, MetaSchedule's
 * GradientBased). The objective is the end-to-end latency f = sum_i w_i g_i, with w_i the task's
 * weight (kernels per inference) and g_i its best seconds per call so far. After a warm-up round for
 * every task, the next round goes to the task whose f falls fastest per round:
 *
 *   df/dt_i ~ w_i (alpha (g_i(t_i) - g_i(t_i - Δt)) / Δt
 *              + (1 - alpha) min(-g_i(t_i) / t_i, beta C_i / max_{k in N(i)} V_k - g_i(t_i)))
 *
 * the first term the recent improvement over the last Δt rounds, the second the optimistic guess
 * that it goes on (g_i / t_i) capped by what the task would take if it ran at the best throughput
 * V_k = C_k / g_k of a similar task (N(i): the tasks of its group, itself included; C_i its FLOPs).
 * The task with the most negative gradient per second of tuning time is chosen (the gradient over
 * the mean wall time of its last Δt rounds, where every round's seconds are known; Ansor divides by
 * rounds, which costs alike only when every task's candidates lower, build and run alike: a
 * Winograd F(4x4) layer's round took 10x a pointwise layer's); with probability epsilon a random one
 * (exploration). Tasks without a time yet (every candidate failed) come after the others; a task
 * whose space is exhausted is never chosen again. Alternatives for the same kernels (one `choice`:
 * an op's implementations) count once in f, by the fastest: an alternative's gradient is what its
 * expected g_i(t_i) + Δ falls below that fastest (a task without alternatives: Δ itself).
 */
import { seededSampler } from './space.js';

export interface SchedulerTask {
  /** How many times the task's kernel runs per inference. */
  readonly weight: number;
  /** Floating-point operations of one call. */
  readonly flops: number;
  /** Tasks of one group are similar (one stage structure): their throughputs bound each other. */
  readonly group?: string;
  /**
   * Tasks of one choice are alternatives for the same kernels (an op's implementations): the
   * model runs the fastest, so the latency counts their minimum, and an alternative's round gains
   * only what it is expected to take below that minimum.
   */
  readonly choice?: string;
}

export interface TaskSchedulerOptions {
  /** Weight of the recent improvement against the optimistic guess (Ansor: 0.2). */
  readonly alpha?: number;
  /** How much faster than its similar tasks' best throughput a task may hope to get (Ansor: 2). */
  readonly beta?: number;
  /** Rounds the recent improvement is measured over (Δt; TVM's backward_window_size: 3). */
  readonly window?: number;
  /** Probability of choosing a random task (Ansor: 0.05). */
  readonly epsilon?: number;
  readonly seed?: number;
}

export class TaskScheduler {
  /** Best seconds of each task after each of its rounds (undefined: no time yet). */
  readonly history: (number | undefined)[][];
  /** Wall seconds of each task's rounds (undefined where the caller did not say). */
  private readonly seconds: (number | undefined)[][];
  private readonly exhausted: boolean[];
  private readonly alpha: number;
  private readonly beta: number;
  private readonly window: number;
  private readonly epsilon: number;
  private readonly random: () => number;

  /**
   * @param tasks weights and FLOPs of the tasks, indexed as `next` answers
   * @throws RangeError for no tasks, a weight that is not positive, or options out of range
   */
  constructor(readonly tasks: readonly SchedulerTask[], o: TaskSchedulerOptions = {}) {
    if (tasks.length === 0) throw new RangeError('TaskScheduler: no tasks');
    for (const [i, t] of tasks.entries()) if (!(t.weight > 0)) throw new RangeError(`TaskScheduler: task ${i} has weight ${t.weight}; weights are positive`);
    this.alpha = o.alpha ?? 0.2;
    this.beta = o.beta ?? 2;
    this.window = o.window ?? 3;
    this.epsilon = o.epsilon ?? 0.05;
    if (!(this.alpha >= 0 && this.alpha <= 1)) throw new RangeError(`TaskScheduler: alpha must be in [0, 1], got ${this.alpha}`);
    if (!Number.isInteger(this.window) || this.window < 1) throw new RangeError(`TaskScheduler: window must be a positive integer, got ${this.window}`);
    if (!(this.epsilon >= 0 && this.epsilon <= 1)) throw new RangeError(`TaskScheduler: epsilon must be in [0, 1], got ${this.epsilon}`);
    const sampler = seededSampler(o.seed ?? 1);
    this.random = () => sampler.random();
    this.history = tasks.map(() => []);
    this.seconds = tasks.map(() => []);
    this.exhausted = tasks.map(() => false);
  }

  /** Rounds task i has had. */
  rounds(i: number): number { return this.history[i]!.length; }

  /** The best seconds of task i so far. */
  best(i: number): number | undefined { return this.history[i]!.at(-1); }

  /**
   * Tells the scheduler how task i's round ended.
   * @param roundSeconds the round's wall time in seconds (search and measurement); without it the
   *   rounds of every task count as costing alike
   * @throws RangeError for a roundSeconds that is not a positive number
   */
  record(i: number, bestSeconds: number | undefined, exhausted = false, roundSeconds?: number): void {
    if (roundSeconds !== undefined && !(roundSeconds > 0)) throw new RangeError(`TaskScheduler: a round's seconds must be positive, got ${roundSeconds}`);
    this.history[i]!.push(bestSeconds);
    this.seconds[i]!.push(roundSeconds);
    if (exhausted) this.exhausted[i] = true;
  }

  /** Task i's mean wall seconds over its last `window` rounds; undefined unless all of them were given. */
  roundSeconds(i: number): number | undefined {
    const recent = this.seconds[i]!.slice(-this.window);
    return recent.length && recent.every((x) => x !== undefined) ? recent.reduce((a, b) => a + b!, 0) / recent.length : undefined;
  }

  /** The fastest time among task i's alternatives (itself included; undefined when none has one). */
  private choiceBest(i: number): number | undefined {
    const c = this.tasks[i]!.choice;
    let b: number | undefined;
    this.tasks.forEach((t, k) => {
      const g = this.best(k);
      if ((k === i || (c !== undefined && t.choice === c)) && g !== undefined && (b === undefined || g < b)) b = g;
    });
    return b;
  }

  /**
   * The estimated end-to-end seconds: sum of weight x best seconds over the tasks that have a time,
   * the fastest of each choice's alternatives only.
   */
  estimatedSeconds(): number {
    const counted = new Set<string>();
    return this.tasks.reduce((s, t, i) => {
      if (t.choice !== undefined) {
        if (counted.has(t.choice)) return s;
        counted.add(t.choice);
      }
      const g = this.choiceBest(i);
      return s + (g !== undefined ? t.weight * g : 0);
    }, 0);
  }

  /** df/dt_i of every task (see the file's comment); undefined for a task without a time or a round. */
  gradients(): (number | undefined)[] {
    const throughput = (k: number) => { const g = this.best(k); return g ? this.tasks[k]!.flops / g : 0; };
    return this.tasks.map((t, i) => {
      const h = this.history[i]!, g = h.at(-1), n = h.length;
      if (g === undefined || n === 0) return undefined;
      const back = h[Math.max(0, n - 1 - this.window)];
      const span = Math.min(this.window, n - 1);
      const recent = span > 0 && back !== undefined ? (g - back) / span : 0;
      const similar = this.tasks.map((u, k) => (k === i || (t.group !== undefined && u.group === t.group) ? throughput(k) : 0));
      const fastest = Math.max(...similar);
      const optimistic = -g / n;
      const bound = fastest > 0 && t.flops > 0 ? this.beta * t.flops / fastest - g : optimistic;
      const drop = this.alpha * recent + (1 - this.alpha) * Math.min(optimistic, bound);
      // An alternative gains only what it is expected to take below the fastest of its choice.
      const floor = this.choiceBest(i)!;
      return t.weight * Math.min(0, g + drop - floor);
    });
  }

  /**
   * The task to give the next round: each task once first (in order), then by gradient per second
   * (see the file's comment); undefined when every task is exhausted.
   */
  next(): number | undefined {
    const open = this.tasks.map((_, i) => i).filter((i) => !this.exhausted[i]);
    if (open.length === 0) return undefined;
    const unwarmed = open.find((i) => this.rounds(i) === 0);
    if (unwarmed !== undefined) return unwarmed;
    if (this.random() < this.epsilon) return open[Math.floor(this.random() * open.length)]!;
    const gradients = this.gradients();
    const timed = open.filter((i) => gradients[i] !== undefined);
    // Per second only when every candidate's rounds were timed: a mix of units would not compare.
    const costs = timed.map((i) => this.roundSeconds(i));
    const perSecond = costs.every((c) => c !== undefined);
    const grads = gradients.map((g, i) => (g === undefined || !perSecond ? g : g / this.roundSeconds(i)!));
    if (timed.length === 0) return open.reduce((a, b) => (this.rounds(b) < this.rounds(a) ? b : a));
    return timed.reduce((a, b) => (grads[b]! < grads[a]! ? b : a));
  }
}

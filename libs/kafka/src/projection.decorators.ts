import 'reflect-metadata';
import { Catch, Controller, UseFilters, type RpcExceptionFilter, type Type } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import type { TopicContract } from '@nurt/contracts';
import { throwError, type Observable } from 'rxjs';

const HANDLERS = Symbol('nurt.kafka.projection.handlers');
const GROUP = Symbol('nurt.kafka.projection.group');
const CLEAR = Symbol('nurt.kafka.projection.clear');

/** The pattern of a group's `@OnRebuild` handler on its own transport (no topic is named so). */
export const CLEAR_VIEW_PATTERN = 'nurt.projection.clear-view';

interface BatchHandler {
  readonly method: string | symbol;
  readonly contract: TopicContract<unknown>;
}

/** A consumer group as the runtime runs it: its id and the contract of each topic it reads. */
export interface ProjectionDefinition {
  readonly group: string;
  readonly contracts: readonly TopicContract<unknown>[];
  /** Whether it declares how to clear its view (`@OnRebuild`), so that it can be rebuilt from the log. */
  readonly rebuildable: boolean;
}

/**
 * The Nest transport id of a consumer group. Each group is its own Nest server in the process, and
 * a projection's handlers are bound to its group's server only. Symbol.for keeps it equal across
 * module instances (jest, dist).
 */
export function groupTransport(group: string): symbol {
  return Symbol.for(`nurt.kafka.group:${group}`);
}

/**
 * Hands a projection handler's error back to the runtime as it was thrown. Nest's default RPC
 * filter would log it and replace it with "Internal server error"; the runtime retries the batch,
 * and the dead letter must carry the real reason.
 */
@Catch()
class RethrowToRuntime implements RpcExceptionFilter {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

/**
 * Marks a method of a projection as the handler of one topic's batches: `apply(@Payload() batch:
 * RecordBatch<T>)`. The contract names the topic, its dead-letter topic and the parser that turns
 * each record into a `T`; the handler only ever sees records that passed it.
 */
export function OnBatch<T>(contract: TopicContract<T>): MethodDecorator {
  return (target, method) => {
    const ctor = target.constructor;
    const handlers = (Reflect.getOwnMetadata(HANDLERS, ctor) as BatchHandler[] | undefined) ?? [];
    Reflect.defineMetadata(HANDLERS, [...handlers, { method, contract }], ctor);
  };
}

/**
 * Marks the method that clears everything the group built (its tables and its claims, in one
 * database transaction), so that the group can be rebuilt from the log: the runtime stops the
 * group, rewinds its offsets, calls this, and starts it again. Only the group's own state: never a
 * source of truth, never another group's tables.
 */
export function OnRebuild(): MethodDecorator {
  return (target, method) => {
    Reflect.defineMetadata(CLEAR, method, target.constructor);
  };
}

/**
 * Declares a consumer group: the class is a Nest controller whose `@OnBatch` methods are message
 * handlers of the group's own server, found by Nest's decorator scan like any `@EventPattern`.
 * The runtime (`startProjections`) decodes, validates, dead-letters, retries and commits around them.
 */
export function Projection(group: string): ClassDecorator {
  return (target) => {
    const handlers = (Reflect.getOwnMetadata(HANDLERS, target) as BatchHandler[] | undefined) ?? [];
    if (handlers.length === 0) throw new Error(`@Projection('${group}') on ${target.name} has no @OnBatch method`);
    const topics = handlers.map((h) => h.contract.topic);
    if (new Set(topics).size !== topics.length) {
      throw new Error(`@Projection('${group}') on ${target.name} handles a topic twice: ${topics.join(', ')}`);
    }
    for (const { method, contract } of handlers) {
      const descriptor = Object.getOwnPropertyDescriptor(target.prototype, method);
      if (!descriptor) throw new Error(`${target.name}.${String(method)} is not a method`);
      EventPattern(contract.topic, groupTransport(group))(target.prototype as object, method, descriptor);
    }
    const clear = Reflect.getOwnMetadata(CLEAR, target) as string | symbol | undefined;
    if (clear !== undefined) {
      const descriptor = Object.getOwnPropertyDescriptor(target.prototype, clear);
      if (!descriptor) throw new Error(`${target.name}.${String(clear)} is not a method`);
      EventPattern(CLEAR_VIEW_PATTERN, groupTransport(group))(target.prototype as object, clear, descriptor);
    }
    Reflect.defineMetadata(GROUP, group, target);
    UseFilters(new RethrowToRuntime())(target);
    Controller()(target);
  };
}

/** The consumer groups the given projection classes declare, one entry per group, in first-seen order. */
export function projectionGroups(types: readonly Type[]): ProjectionDefinition[] {
  const groups = new Map<string, TopicContract<unknown>[]>();
  const rebuildable = new Set<string>();
  for (const type of types) {
    const group = Reflect.getOwnMetadata(GROUP, type) as string | undefined;
    if (group === undefined) throw new Error(`${type.name} is not a @Projection`);
    if (Reflect.getOwnMetadata(CLEAR, type) !== undefined) {
      if (rebuildable.has(group)) throw new Error(`Two @OnRebuild methods in consumer group ${group}`);
      rebuildable.add(group);
    }
    const contracts = groups.get(group) ?? [];
    for (const { contract } of Reflect.getOwnMetadata(HANDLERS, type) as BatchHandler[]) {
      if (contracts.some((c) => c.topic === contract.topic)) {
        throw new Error(`Two handlers of ${contract.topic} in consumer group ${group}`);
      }
      contracts.push(contract);
    }
    groups.set(group, contracts);
  }
  return [...groups].map(([group, contracts]) => ({ group, contracts, rebuildable: rebuildable.has(group) }));
}

// Types of `rolegate/react`.

import type { ReactNode } from "react";
import type { Decision, Policy, Principal, Resource, Snapshot, Tenant } from "./index.js";

/** A store of decisions, for any UI framework: subscribe, then ask. */
export interface DecisionStore {
  /** Changes on every `set`: use it as the store's snapshot (`useSyncExternalStore`). */
  getSnapshot(): number;
  subscribe(listener: () => void): () => void;
  set(next: Partial<DecisionStoreInit>): void;
  check(action: string, resource?: Resource | string): Decision;
  permissions(scope?: string): { [action: string]: Decision };
  free(): void;
}

/** A policy with a principal (and tenant), or a snapshot a server made. */
export interface DecisionStoreInit {
  policy?: Policy;
  principal?: Principal;
  tenant?: Tenant;
  snapshot?: Snapshot;
}

export declare function createDecisionStore(init: DecisionStoreInit): DecisionStore;

export interface RolegateProviderProps extends DecisionStoreInit {
  store?: DecisionStore;
  children?: ReactNode;
}

export declare function RolegateProvider(props: RolegateProviderProps): ReactNode;

export declare function useDecision(action: string, resource?: Resource | string): Decision;

export declare function usePermissions(scope?: string): { [action: string]: Decision };

type Render = ReactNode | ((decision: Decision) => ReactNode);

export interface CanProps {
  action: string;
  resource?: Resource | string;
  /** What to render when a feature or plan locks the action (the decision carries the hint). */
  locked?: Render;
  /** What to render when denied (and when locked without `locked`). */
  fallback?: Render;
  children?: Render;
}

export declare function Can(props: CanProps): ReactNode;

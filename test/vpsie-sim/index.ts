// Public boundary of the VPSie API simulator.
export { startVpsieSimulator, type VpsieSimulator, type VpsieSimulatorOptions } from './server.ts';
export { SimState, DEFAULT_SIM_CONFIG, type SimCall, type SimConfig, type SimHook, type SimVm, type SimVmPhase } from './state.ts';
export type { FaultMatch, SimFault, SimOperation } from './faults.ts';
export { ManualClock, realClock, SkippableClock, type SimClock } from './clock.ts';
export { SIM_CATEGORIES, SIM_CATEGORY, SIM_DATACENTERS, SIM_DC, SIM_OS_IMAGES, SIM_PLANS, findPlan, plansFor, type SimPlan } from './catalogue.ts';

export interface TrainerSettings {
  maxAttempts: number;
}

export const TRAINER_SETTINGS = Symbol('TRAINER_SETTINGS');

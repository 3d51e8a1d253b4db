import './instrument';
import { runService } from '@tuneforge/service-kit';
import { service } from './service';

void runService(service);

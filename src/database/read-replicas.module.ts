import { Global, Module } from '@nestjs/common';
import { ReadReplicas } from './read-replicas';

/** Global: the order reads and the readiness check share one set of replica pools. */
@Global()
@Module({ providers: [ReadReplicas], exports: [ReadReplicas] })
export class ReadReplicasModule {}

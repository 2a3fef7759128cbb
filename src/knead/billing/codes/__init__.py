"""Code sets: ICD-10-CM diagnoses, CPT/HCPCS procedures and the smaller lists claims use."""

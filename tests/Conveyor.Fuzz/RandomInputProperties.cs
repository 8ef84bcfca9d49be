using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Conveyor.Fuzz;

/// <summary>
/// FsCheck feeds the fuzz targets inputs of three shapes: raw bytes, corpus files with bytes flipped, inserted or cut,
/// and job bodies built from the API's own field names with values of every JSON type and hostile text.
/// </summary>
public sealed class RandomInputProperties
{
    [Property(MaxTest = 2000, Arbitrary = [typeof(HostileInputs)])]
    public void Any_bytes_as_args_are_accepted_or_refused_clearly(RawBytes input) => FuzzTargets.Args(input.Bytes);

    [Property(MaxTest = 2000, Arbitrary = [typeof(HostileInputs)])]
    public void Any_bytes_as_a_job_body_are_accepted_or_refused_clearly(RawBytes input) => FuzzTargets.Request(input.Bytes);

    [Property(MaxTest = 2000, Arbitrary = [typeof(HostileInputs)])]
    public void Mutated_corpus_args_are_accepted_or_refused_clearly(MutatedArgs input) => FuzzTargets.Args(input.Bytes);

    [Property(MaxTest = 2000, Arbitrary = [typeof(HostileInputs)])]
    public void Mutated_corpus_bodies_are_accepted_or_refused_clearly(MutatedBody input) => FuzzTargets.Request(input.Bytes);

    [Property(MaxTest = 3000, Arbitrary = [typeof(HostileInputs)])]
    public void Job_bodies_of_known_fields_with_hostile_values_are_accepted_or_refused_clearly(JobBody input) =>
        FuzzTargets.Request(Encoding.UTF8.GetBytes(input.Json));
}
